#!/usr/bin/env bash
# The constitution walkthrough of docs/constitution.md, runnable against a fresh `acgs up`:
#   ADMIN_PASSWORD='<printed at first start>' bash docs/constitution-walkthrough.sh
# AUTH and AC default to the standard ports. The end-to-end tests run this very script.
set -euo pipefail
AUTH=${AUTH:-http://localhost:8000}
AC=${AC:-http://localhost:8001}
ADMIN_EMAIL=${ADMIN_EMAIL:-admin@acgs.local}
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD to the bootstrap admin password}"

# field PATH: reads JSON on stdin and prints the value at a dotted path (e.g. items.0.key).
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);for(const k of process.argv[1].split("."))v=v[k];console.log(typeof v==="object"?JSON.stringify(v):v)})' "$1"; }
login() { curl -sf -X POST "$AUTH/auth/login" -H 'Content-Type: application/json' -d "{\"username\": \"$1\", \"password\": \"$2\"}" | field access_token; }

echo "1. Log in as the bootstrap admin"
TOKEN=$(login "$ADMIN_EMAIL" "$ADMIN_PASSWORD")

echo "2. The starter principles (constitution v1)"
curl -sf "$AC/api/v1/principles?status=active&limit=100" -H "Authorization: Bearer $TOKEN" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>JSON.parse(s).items.forEach(p=>console.log("   ",p.key,"—",p.title)))'
V1_HASH=$(curl -sf "$AC/api/v1/constitution" -H "Authorization: Bearer $TOKEN" | field hash)
echo "   v1 hash: $V1_HASH"

echo "3. Three council members"
MEMBER_TOKENS=()
for n in 1 2 3; do
  EMAIL="member$n-$RANDOM@example.com"
  USER_ID=$(curl -sf -X POST "$AUTH/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\": \"$EMAIL\", \"password\": \"council-seat-$n-password\", \"full_name\": \"Council Member $n\"}" | field id)
  curl -sf -X PUT "$AUTH/auth/users/$USER_ID/roles" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"roles": ["council_member"]}' > /dev/null
  MEMBER_TOKENS+=("$(login "$EMAIL" "council-seat-$n-password")")
done

echo "4. Propose an amendment that adds a principle"
AMENDMENT=$(curl -sf -X POST "$AC/api/v1/constitutional-council/amendments" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{
  "title": "Payments need a human",
  "rationale": "Money moved by an agent cannot be unmoved.",
  "changes": [{"op": "add_principle", "principle": {
    "key": "no-autonomous-payments",
    "title": "No autonomous payments",
    "description": "Payment tools run only with human approval.",
    "category": "human_oversight",
    "priority": 92,
    "scope": {"actions": ["tool_call"], "resource_types": ["Tool"]},
    "normative_statement": "An agent must not execute a payment without human approval.",
    "rationale": "Irreversible and costly.",
    "constraints": [{"effect": "forbid", "actions": ["tool_call"],
                     "when": [{"attr": "context.tool", "op": "eq", "value": "payments"}],
                     "unless": [{"attr": "context.human_approved", "op": "is_true"}]}]
  }}]
}' | field id)
echo "   amendment $AMENDMENT"

echo "5. Open it for voting"
curl -sf -X POST "$AC/api/v1/constitutional-council/amendments/$AMENDMENT/open" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d '{}' | field status | sed 's/^/   status: /'

echo "6. The council votes"
for member in "${MEMBER_TOKENS[@]}"; do
  curl -sf -X POST "$AC/api/v1/constitutional-council/amendments/$AMENDMENT/vote" -H "Authorization: Bearer $member" \
    -H 'Content-Type: application/json' -d '{"vote": "for", "reason": "Agreed."}' | field status | sed 's/^/   status after vote: /'
done

echo "7. The constitution now"
CURRENT=$(curl -sf "$AC/api/v1/constitution" -H "Authorization: Bearer $TOKEN")
echo "   version $(echo "$CURRENT" | field version), hash $(echo "$CURRENT" | field hash)"
[ "$(echo "$CURRENT" | field version)" = 2 ] || { echo "expected version 2" >&2; exit 1; }
[ "$(echo "$CURRENT" | field hash)" != "$V1_HASH" ] || { echo "expected a new hash" >&2; exit 1; }

echo "8. What changed from v1 to v2"
curl -sf "$AC/api/v1/constitution/diff?from=1&to=2" -H "Authorization: Bearer $TOKEN" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s);console.log("    added:",d.principles.added.map(p=>p.key).join(", ")||"-");console.log("    removed:",d.principles.removed.map(p=>p.key).join(", ")||"-");console.log("    modified:",d.principles.modified.map(p=>p.key).join(", ")||"-")})'
