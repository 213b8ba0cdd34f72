# kb: the help centre. Every key must exist in every language (a test checks).

kb-title = Help centre
kb-search-hint = Search in English or Chinese, e.g. "refund" or "修改地址".
kb-categories = Topics
kb-empty = There are no help articles yet.
kb-article-count = { $count ->
    [0] No articles yet
    [one] One article
   *[other] { $count } articles
}
kb-recent = Recently updated
kb-breadcrumbs = You are here
kb-category-empty = There are no articles in this topic yet.
kb-updated = Last updated { $date }
kb-status-draft = Draft: customers cannot see this article yet.
kb-status-archived = Archived: customers no longer see this article.
kb-toc = On this page
kb-related = Related articles
footer-help-centre = Help centre
kb-feedback-question = Was this article helpful?
kb-feedback-yes = Yes
kb-feedback-no = No
kb-feedback-why = Sorry about that. What was wrong?
kb-feedback-reason = The article
kb-feedback-outdated = is out of date
kb-feedback-unclear = is hard to understand
kb-feedback-didnt-solve = did not solve my problem
kb-feedback-comment = Anything else we should know?
kb-feedback-send = Send
kb-feedback-thanks-title = Thank you
kb-feedback-thanks = Your answer helps us improve our articles.
kb-manage-title = Help articles
kb-manage-intro = Write and look after the help centre. Every save keeps a version.
kb-manage-new = Write an article
kb-manage-edit = Edit article
kb-manage-back = ← All help articles
kb-manage-view = View as readers see it
kb-manage-filter = By status
kb-manage-all = All
kb-manage-none = No articles here yet.
kb-manage-updated = Saved
kb-manage-preview = Preview
kb-manage-save = Save
kb-manage-preview-heading = Preview (not saved yet)
kb-manage-versions = Versions
kb-manage-restore = Restore
kb-field-title = Title
kb-field-category = Topic
kb-field-visibility = Who can read it
kb-field-status = Status
kb-field-body = Article
kb-field-body-hint = Markdown: ## for headings, - for lists, **bold**, [link](/kb/articles/slug). HTML is shown as text.
kb-status-name-draft = Draft
kb-status-name-published = Published
kb-status-name-archived = Archived
kb-visibility-public = Everyone
kb-visibility-customers = Signed-in customers
kb-visibility-internal = Agents only
nav-kb-manage = Help articles
notice-restored = The earlier version is restored as the newest one.
