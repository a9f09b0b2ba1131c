"""Error codes the help centre answers with (``ApplicationError(HelpCentreErrorCode.X, …)``).

Shared conditions (permission denied, validation) are ``core.errors.CommonErrorCode``.
"""

from __future__ import annotations

from core.errors import ErrorCode


class HelpCentreErrorCode(ErrorCode):
    """Conditions of the help centre's articles, votes and feedback."""

    # feedback on an article from a visitor who has not answered "No" to "Was this helpful?"
    FEEDBACK_WITHOUT_VOTE = "feedback_without_vote"
    # a vote or feedback body that is not JSON (the endpoints take no CSRF token)
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
