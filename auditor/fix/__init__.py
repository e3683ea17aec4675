"""Planning one repair: findings -> model edits, applied to a copy of the model until a fixed point.

The flow: `derive` turns each finding into edits (or a choice left to a person), `planner` applies
them to an in-memory copy and re-audits until nothing at the threshold is left, and the emitters
render the plan: `script` as `aws` commands for snapshots and live input, `textdiff` as a unified
diff of the user's own template files. Nothing here calls AWS: the tool stays read-only.
"""
