"""Failed rules in focus-validator's console report, counting an OR rule's alternatives as one.

The validator lists every alternative of an OR rule it evaluated: when the OR rule passes, the
alternative not taken still shows as failed (InvoiceId-C-004-C "must be null" fails when every
InvoiceId is set, while its OR rule InvoiceId-C-003-C passes). Such a failure is not counted.

Usage: python3 failed.py REPORT MODEL_JSON [LABEL]; prints the failed rules (under LABEL, the
data file's name, else the report's), exits 1 if there is any.
"""

import json
import re
import sys

report, model = sys.argv[1], sys.argv[2]
label = sys.argv[3] if len(sys.argv) > 3 else report
status = {}
for line in open(report, encoding="utf-8"):
    found = re.match(r"^\S+ (\S+): (PASS|FAIL|SKIPPED)\b", line)
    if found:
        status[found.group(1)] = found.group(2)
rules = json.load(open(model, encoding="utf-8"))["ModelRules"]
alternatives = {}
for rule_id, rule in rules.items():
    requirement = rule.get("ValidationCriteria", {}).get("Requirement", {})
    if requirement.get("CheckFunction") == "OR":
        for item in requirement.get("Items", []):
            if item.get("CheckFunction") == "CheckModelRule":
                alternatives.setdefault(item["ModelRuleId"], []).append(rule_id)
if not status:
    print(f"{label}: no rule results (did the validator run?)")
    sys.exit(1)
failed = [
    rule_id
    for rule_id, result in sorted(status.items())
    if result == "FAIL"
    and not any(status.get(parent) == "PASS" for parent in alternatives.get(rule_id, []))
]
for rule_id in failed:
    print(f"{label}: {rule_id} FAILED")
print(f"{label}: {len(status)} rules, {len(failed)} failed")
sys.exit(1 if failed else 0)
