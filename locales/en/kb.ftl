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
