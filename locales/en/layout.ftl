# layout: messages of this feature. Every key must exist in every language (a test checks).

## Layout
skip-link = Skip to main content
nav-label = Account
nav-sign-in = Sign in
nav-sign-out = Sign out
nav-signed-in-as = Signed in as { $name }
lang-switch-label = Choose language
footer-nav-label = More links
footer-api-docs = API documentation

## Roles
role-customer = Customer
role-agent = Support agent
role-admin = Administrator
