"""What a plan predicts, in words: findings before and after, and what is left for a person."""

from collections import Counter


def counts(findings, threshold) -> str:
    if not findings:
        return "no findings"
    by = Counter(f.severity for f in findings)
    said = ", ".join(f"{by[s]} {s.label}" for s in sorted(by, reverse=True))
    gated = sum(1 for f in findings if threshold is not None and f.severity >= threshold)
    return f"{len(findings)} finding(s) ({said}); {gated} at or above {threshold.label if threshold else 'never'}"


def lines(plan) -> list[str]:
    """The header of a script, the preamble of a diff, the summary on stderr: the same words."""
    threshold = plan.threshold
    out = [f"Findings before: {counts(plan.before, threshold)}",
           f"Findings after (predicted by re-auditing the fixed model): {counts(plan.after, threshold)}"]
    left = plan.at_threshold(plan.after)
    for finding in left:
        out.append(f"  still: {finding.rule_id} {finding.severity.label}: {finding.message}")
    out.append(f"Changes: {len(plan.edits)}")
    for edit in plan.edits:
        out.append(f"  - {edit.summary()}")
    chosen = {choice.finding.fingerprint for choice in plan.choices}
    unfixed = {finding.fingerprint for finding in plan.unfixed}
    manual = [finding for finding in left if finding.fingerprint not in chosen]  # no fix the model can make
    if plan.choices or manual:
        out.append(f"Left for a person ({len(plan.choices) + len(manual)}):")
        for choice in plan.choices:
            first, *candidates = choice.describe().splitlines()
            out += [f"  - {first}", *(f"    {line}" for line in candidates)]
        for finding in manual:
            why = "the planned change did not clear it" if finding.fingerprint in unfixed else "no automatic fix"
            location = finding.location
            if location is not None and location.input_type != "snapshot":
                # the re-read model's remediation is an `aws` command; a template is changed in its own text
                out.append(f"  - {finding.rule_id} {finding.message} Fix ({why}): change {location.file} by hand "
                           f"(`apigw-auditor audit {location.file}` shows the change in its own form)")
                continue
            out.append(f"  - {finding.rule_id} {finding.message} Fix ({why}):")
            out += [f"      {line}" for line in (finding.remediation or "").splitlines()]
    return out
