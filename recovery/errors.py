"""The codes recovery answers (besides ``core.errors.CommonErrorCode``): docs/api.md, "Error codes"."""

from __future__ import annotations

from core.errors import ErrorCode


class RecoveryErrorCode(ErrorCode):
    """Password reset, lost authenticator, freeze links and identity cases."""

    LINK_INVALID = "link_invalid"  # a reset, recovery, freeze or resubmit link is unknown, used or expired
    RESET_NOT_STARTED = "reset_not_started"  # a password-reset step came without the reset started in this session
    NOT_FROZEN = "not_frozen"  # a freeze-lift case for an account that is not frozen
    CASE_IN_REVIEW = "case_in_review"  # an identity case of this purpose is already open and being reviewed
    CASE_NOT_REJECTED = "case_not_rejected"  # a new photo for an identity case that is not waiting for one
    CASE_NOT_CORRECTABLE = "case_not_correctable"  # a details correction for a case that cannot be corrected now
    CASE_NOT_REVIEWABLE = "case_not_reviewable"  # staff: a decision on an identity case that is already decided
    CASE_NOT_OPEN = "case_not_open"  # staff: claiming an identity case that is not waiting for review
    CASE_CLAIMED = "case_claimed"  # staff: the identity case is assigned to another reviewer
    SECOND_APPROVER_REQUIRED = "second_approver_required"  # staff: the second approval came from the first approver
    # staff: approving a phone change without confirming the new number against the ID
    PHONE_CONFIRMATION_REQUIRED = "phone_confirmation_required"
