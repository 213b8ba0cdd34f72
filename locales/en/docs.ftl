# docs: messages of this feature. Every key must exist in every language (a test checks).

## API documentation
api-docs-title = API documentation
api-docs-version = Version { $version }
api-docs-intro = This reference is generated from the OpenAPI document, so it always matches the running server.
api-docs-openapi-link = Download the OpenAPI document (JSON)
api-docs-contents = Contents
api-docs-tags = Tags
api-docs-responses = Responses
api-docs-status = Status
api-docs-description = Description
api-docs-empty = No operations are documented yet.
api-docs-back = Back to the contents

## Authentication
api-docs-authentication = Authentication
api-docs-authentication-intro = Operations that need a signed-in caller accept any one of these.
api-docs-scheme-bearer = HTTP bearer token, sent as the Authorization header.
api-docs-scheme-http = HTTP authentication, scheme:
api-docs-scheme-cookie = A key sent in a cookie:
api-docs-scheme-header = A key sent in a request header:
api-docs-scheme-query = A key sent in a query parameter:
api-docs-scheme-other = Scheme type:
api-docs-op-security = Authentication:
api-docs-op-security-none = not needed
api-docs-or = or

## Parameters, bodies and schemas
api-docs-parameters = Parameters
api-docs-request-body = Request body
api-docs-body = Body
api-docs-no-body = No body
api-docs-content-type = Content type:
api-docs-schema = Schema:
api-docs-name = Name
api-docs-in-query = query
api-docs-in-path = path
api-docs-in-header = header
api-docs-in-cookie = cookie
api-docs-type = Type
api-docs-optional = Optional
api-docs-required = Required
api-docs-schemas = Schemas
api-docs-schemas-intro = The objects that requests and responses are made of.

## Constraints on values
api-docs-constraint = { $name }:{"\u00A0"}
api-docs-c-default = Default
api-docs-c-minimum = Minimum
api-docs-c-exclusive-minimum = Greater than
api-docs-c-maximum = Maximum
api-docs-c-exclusive-maximum = Less than
api-docs-c-multiple-of = Multiple of
api-docs-c-min-length = Minimum length
api-docs-c-max-length = Maximum length
api-docs-c-pattern = Pattern
api-docs-c-min-items = Minimum items
api-docs-c-max-items = Maximum items
api-docs-c-const = Always
api-docs-c-example = Example
api-docs-c-enum = One of
api-docs-c-read-only = Read-only
api-docs-c-write-only = Write-only
api-docs-c-deprecated = Deprecated
api-docs-op-security-optional = (optional: anyone may call it; signed-in callers get more)
