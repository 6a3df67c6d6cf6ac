"""The one kind of error a user is shown (issue 16, point 5).

A service refuses an action by raising a subclass of :class:`UserFacingError`
whose ``message`` tells the user why, in his or her language (a lazy or
translated string); views show the message, nothing having changed.
"""


class UserFacingError(Exception):
    """An action that cannot be done; ``message`` tells the user why."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message
