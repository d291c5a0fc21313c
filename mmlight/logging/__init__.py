"""Logging with mmengine's API: MessageHub, HistoryBuffer, MMLogger and print_log.

``mmlight.logging.safe_types`` lists what ``torch.load(weights_only=True)`` must allow to
read the MessageHub part of a checkpoint (mmlight's or mmengine's).
"""

from mmlight.logging.history_buffer import HistoryBuffer
from mmlight.logging.logger import MMLogger, print_log
from mmlight.logging.message_hub import MessageHub

__all__ = ["HistoryBuffer", "MMLogger", "MessageHub", "print_log"]
