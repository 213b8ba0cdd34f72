# requests: messages of this feature. Every key must exist in every language (a test checks).

## Statuses
request-status-new = New
request-status-open = Open
request-status-waiting-for-customer = Waiting for you
request-status-waiting-for-approval = Waiting for approval
request-status-resolved = Resolved
request-status-closed = Closed
request-status-cancelled = Cancelled

## Mails
mail-request-created-subject = [{ $reference }] We have your request: { $subject }
mail-request-created-body = Hello { $name },

    Thank you: we have your request “{ $subject }” ({ $type }). Its reference is { $reference }.

    Follow it, reply or add files here:
    { $link }
mail-request-reply-subject = [{ $reference }] New reply: { $subject }
mail-request-reply-body = Hello { $name },

    There is a new reply to your request { $reference }:

    { $reply }

    Answer or follow the request here:
    { $link }
mail-request-status-subject = [{ $reference }] { $status }: { $subject }
mail-request-status-body = Hello { $name },

    Your request { $reference } (“{ $subject }”) is now: { $status }.

    See the details here:
    { $link }

## Catalogue
request-catalog-title = Get help with something
request-catalog-intro = Choose what you need. Each request asks only what it needs, and you can follow it afterwards.
request-catalog-search = Find a request type
request-catalog-empty = Nothing can be requested here yet.
request-catalog-nothing = No request type matches “{ $query }”.
request-catalog-all = Show every request type
request-catalog-other = Other requests

## The form
request-subject = Subject
request-subject-hint = In a few words, what do you need?
request-form-unverified = Confirm your e-mail address first (we sent you a link); then you can send requests.
request-form-suggestions = These articles may answer your question:
request-form-choose = Choose…
request-form-kept = uploaded
request-form-submit = Send request
request-form-only-if = Only if “{ $field }” is “{ $value }”.
request-form-ticked = ticked
request-form-not-ticked = not ticked
request-form-yes = Yes
request-form-step = Step { $step } of { $steps }
request-form-next = Next
request-form-back = Back
request-form-draft = Your answers are kept on this device until you send them.

## Lists
request-list-title = My requests
request-list-new = New request
request-list-filter = Show requests
request-filter-all = All
request-filter-open = Open
request-filter-waiting = Waiting for me
request-filter-resolved = Resolved
request-filter-requester = Requested by
request-filter-requester-all = Everyone I can see
request-filter-requester-me = Me
request-filter-show = Show
request-list-none = No requests here.
request-list-more = More
request-updated = updated { $time }
request-queue-title = Request queue
request-queue-status = Status
request-queue-type = Type
request-queue-apply = Show
request-queue-none = No requests match.
request-queue-updated = Updated
request-reference = Reference

## A request
request-timeline = What happened
request-internal = Internal
request-someone = Someone
request-event-created = Sent the request.
request-event-status = Status changed:
request-event-assigned = Took the request.
request-event-rating = Rated it { $score } of 5.
request-reply = Reply
request-reply-body = Your message
request-reply-files = Files
request-reply-internal = Internal note (only agents see it)
request-reply-send = Send
request-answers = Details
request-actions = What you can do
request-confirm = Yes, it is solved
request-reopen = Not solved: reopen
request-cancel = Cancel the request
request-assign-self = Take it
request-move-to = Move to
request-move = Move
request-rate = Your rating
request-rate-score = How did we do?
request-rate-stars = { $count ->
    [one] 1 star
   *[other] { $count } stars
}
request-rate-comment = Comment
request-rate-send = Rate
request-done-created = Thank you: we have your request. You will get an e-mail when something happens.
request-done-replied = Your message is added.
request-done-moved = The status is changed.
request-done-rated = Thank you for your rating.
request-done-assigned = The request is yours.
field-error-out-of-range = This is outside the allowed range.
field-error-too-short = This is too short.
field-error-too-few = Choose more.
field-error-too-many = That is too many.
field-error-not-in-form = This form has no such field.
field-error-fields-photo-not-found = Upload the files again.
field-error-score-out-of-range = Choose from 1 to 5 stars.
field-error-score-conflict = This request is rated already, or not resolved yet.
field-error-request-conflict = This request is closed: make a new one.
field-error-to-conflict = This is not possible now.
field-error-type-not-found = This request type is not available.

## Catalogue administration
catalog-admin-title = Request types
catalog-admin-intro = What customers can request, each with its form. Changing a form makes a new version; requests already made keep theirs.
catalog-new = New request type
catalog-edit = Change request type
catalog-saved = The request type is saved.
catalog-name = Name
catalog-key = Key
catalog-key-hint = Lower-case letters, digits, - and _; it cannot change later.
catalog-version = Form version
catalog-active = Offered
catalog-active-yes = Offered
catalog-active-no = Not offered
catalog-active-label = Offer it in the catalogue
catalog-about = About this request
catalog-description = Description
catalog-group = Group in the catalogue
catalog-audience = Who may request it
catalog-audience-everyone = Everyone
catalog-audience-customers = Signed-in customers
catalog-audience-organizations = Members of named organisations
catalog-organizations = Organisations
catalog-organizations-hint = Their numbers, separated by commas (for "Members of named organisations").
catalog-sections = Steps
catalog-sections-hint = Fields can be grouped in steps; on a phone each step is a page of the form.
catalog-section = Step
catalog-title = Title
catalog-add-section = Add a step
catalog-fields = Fields
catalog-field = Field
catalog-type = Type
catalog-type-text = Text (one line)
catalog-type-textarea = Text (several lines)
catalog-type-number = Number
catalog-type-money = Amount of money
catalog-type-date = Date
catalog-type-select = Choose one
catalog-type-multiselect = Choose several
catalog-type-checkbox = Tick box
catalog-type-email = E-mail address
catalog-type-phone = Phone number
catalog-type-file = Files
catalog-type-reference = Reference (order or request number)
catalog-label = Label
catalog-help = Help text
catalog-required = Required
catalog-options = Options
catalog-options-hint = One a line: value | English | 中文
catalog-min = Least (number, date, or count)
catalog-max = Most (number, date, or count)
catalog-max-length = Most characters
catalog-pattern = Pattern (regular expression)
catalog-currency = Currency (e.g. CNY)
catalog-when-field = Show only when this field…
catalog-when-value = …has this answer (several: separate by commas)
catalog-always = (always shown)
catalog-up = Move up
catalog-down = Move down
catalog-remove = Remove
catalog-new-field = New field of type
catalog-add-field = Add field
catalog-preview = Preview
catalog-preview-hint = The form as customers will see it (nothing is sent from here).
request-live-updated = The request was updated: see the latest in “What happened”.
mail-request-customer-reply-subject = [{ $reference }] The customer replied: { $subject }
mail-request-customer-reply-body = Hello { $name },

    The requester of { $reference } (“{ $subject }”), which you have taken, replied:

    { $reply }

    Answer here:
    { $link }
request-status-waiting-for-customer-staff = Waiting for the customer
