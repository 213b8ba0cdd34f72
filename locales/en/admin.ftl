# admin: people, organisations and the audit log. Every key must exist in every language (a test checks).

admin-nav-label = Administration
admin-users = People
admin-users-intro = Everyone with an account: customers, agents and administrators.
admin-users-none = Nobody matches these filters.
admin-organizations = Organisations
admin-organizations-intro = Customer companies and departments. New sign-ups with a listed e-mail domain join automatically.
admin-organizations-none = No organisations yet.
admin-audit = Audit log
admin-audit-intro = Security-relevant events, newest first. Entries cannot be changed or deleted.
admin-audit-none = No entries.
admin-audit-csv = Download as CSV
admin-audit-all-for-user = All audit entries about this person
admin-search = Search
admin-role = Role
admin-status = Status
admin-organization = Organisation
admin-any = Any
admin-none = None
admin-filter = Filter
admin-next-page = Next page
status-active = Active
status-deactivated = Deactivated
status-invited = Invited
admin-invite = Invite someone
admin-invite-intro = They get an e-mail with a link to choose a password (valid for 7 days).
admin-invite-submit = Send invitation
admin-back-to-users = ← All people
admin-back-to-organizations = ← All organisations
admin-user-access = Role and access
admin-status-hint = Deactivating signs the person out everywhere and revokes their API tokens at once.
admin-user-facts = About
admin-created = Account created
admin-user-activity = Recent activity
admin-action = Action
admin-actor = By user (number)
admin-about-user = About user (number)
admin-subject = About
admin-details = Details
admin-since = From
admin-until = Before
admin-members = Members
admin-members-none = No members yet.
admin-member-rights = Rights
admin-manager = Manager
admin-manager-long = Manages the organisation (can invite and remove members)
admin-sees-all = Sees all requests
admin-sees-all-long = Sees all of the organisation's requests
admin-member-remove = Remove
admin-member-invite = Invite a member
admin-member-add = Add or change a member
admin-member-user = E-mail address or user number
admin-member-user-hint = The person must already have an account; to add someone new, invite them above.
admin-member-save = Save membership
admin-domains = E-mail domains
admin-domains-hint = One per line, e.g. acme.example. New sign-ups with these addresses join this organisation.
admin-organization-new = New organisation
admin-organization-create = Create organisation
admin-organization-edit = Name and domains
admin-user-sessions = Signed in
admin-user-sessions-count = { $count ->
    [0] Not signed in anywhere.
    [one] Signed in on one device.
   *[other] Signed in on { $count } devices.
}
admin-user-sign-out = Sign out everywhere
admin-user-reinvite = Send the invitation again
