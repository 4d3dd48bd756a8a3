"""Events other parts of Wendao listen to (the authority index, search, the knowledge base).

``forum`` never imports ``knowledge``; it sends these and ``knowledge`` connects receivers.
Each is sent inside the service's transaction, after the change is written.
"""

from django.dispatch import Signal

post_created = Signal()  # sender=Post, post
post_edited = Signal()  # sender=Post, post, revision
post_deleted = Signal()  # sender=Post, post, by
post_restored = Signal()  # sender=Post, post, by
vote_changed = Signal()  # sender=Vote, post, voter, old_value, new_value
answer_accepted = Signal()  # sender=Post, answer, previous (the answer un-accepted, or None)
answer_unaccepted = Signal()  # sender=Post, answer
answer_endorsed = Signal()  # sender=Endorsement, endorsement
endorsement_withdrawn = Signal()  # sender=Endorsement, endorsement

# Moderation (forum/moderation.py); ``by`` is the moderator or the reporter.
post_flagged = Signal()  # sender=Flag, flag
post_hidden = Signal()  # sender=Post, post (enough open flags: hidden pending review)
flags_resolved = Signal()  # sender=Post, post, by, outcome ("delete", "keep" or "decline")
question_closed = Signal()  # sender=Post, question, by, reason
question_reopened = Signal()  # sender=Post, question, by
question_marked_duplicate = Signal()  # sender=Post, question, original, by
