"""The semantic core: what API Gateway and Lambda do with a request, shared by every API type.

Rules, `explain`, `routes`, `fix` and the drawings all ask these modules, so a verdict is decided once:

- `model`: the typed snapshot (APIs, routes, integrations, stages, authorizers, functions, roles).
- `arns`, `arnlike`: ARNs and the ArnLike/StringLike matching Lambda applies to them.
- `policy`: the one IAM evaluator (resource and trust policies).
- `routekey`: HTTP API route keys and route choice.
- `limits`: AWS's documented limits on input.
- `analysis`: per-route verdicts (target, permission coverage) that rules report.
- `simulate`: the one request simulator behind `explain` and `routes`.

API types sit beside each other here: what differs per type (how a request picks its route, what
its execute-api ARN looks like) lives in its own module; what is the same concept (a permission that
covers an ARN, a role API Gateway must assume) is decided once for all of them.
"""
