#!/usr/bin/env bash
# npm run deploy:localstack — deploy Mailroom's LocalStack profile into a running LocalStack.
#
# What it deploys: `-c profile=localstack` (docs/localstack.md) — the same functions, queues, table,
# bus and rules as in AWS, behind a REST API (LocalStack's Free plan has no HTTP APIs), with
# far-future sends kept in the table and fired every minute (LocalStack's Scheduler never fires),
# and without the CloudFront console, the alarms and the SES configuration sets.
#
# Prerequisites (see docs/localstack.md):
#   - LocalStack running and reachable at AWS_ENDPOINT_URL (default http://localhost:4566), started
#     with your LOCALSTACK_AUTH_TOKEN (LocalStack requires an account and token, also on the Free plan);
#   - Node 20+ and `npm ci` done (cdklocal comes from the aws-cdk-local dev dependency).
# Extra arguments go to `cdklocal deploy` (e.g. -c apiRateLimit=50).
set -euo pipefail

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localhost:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export CDK_DISABLE_CLI_TELEMETRY=true
STACK="${MAILROOM_STACK:-Mailroom}"
CONTEXT=(-c profile=localstack)

if ! health="$(curl -sf "$AWS_ENDPOINT_URL/_localstack/health")"; then
  echo "LocalStack is not answering at $AWS_ENDPOINT_URL (GET /_localstack/health)." >&2
  echo "Start it with your auth token first (LOCALSTACK_AUTH_TOKEN=… localstack start), or set AWS_ENDPOINT_URL." >&2
  exit 2
fi
echo "LocalStack at $AWS_ENDPOINT_URL: $(node -e 'const h=JSON.parse(process.argv[1]);console.log(`edition ${h.edition ?? "?"}, version ${h.version ?? "?"}`)' "$health")"

cd "$(dirname "$0")/.."
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

echo
echo "Synthesizing $STACK with ${CONTEXT[*]} …"
npx cdklocal synth "$STACK" --no-notices -q -o "$OUT" "${CONTEXT[@]}" "$@" >/dev/null
echo "It deploys (resource type × count):"
node -e '
  const t = require(process.argv[1]);
  const counts = {};
  for (const r of Object.values(t.Resources)) counts[r.Type] = (counts[r.Type] ?? 0) + 1;
  for (const [type, n] of Object.entries(counts).sort()) console.log(`  ${String(n).padStart(3)}  ${type}`);
  const fns = Object.values(t.Resources).filter((r) => r.Type === "AWS::Lambda::Function").map((r) => r.Properties.Description).filter(Boolean);
  console.log(`Functions:\n${fns.map((d) => `  - ${d}`).join("\n")}`);
' "$OUT/$STACK.template.json"
echo "Not deployed in this profile: HTTP API (REST API instead), EventBridge Scheduler (table-backed schedules), CloudFront console, alarms and dashboard, SES configuration sets."
echo

npx cdklocal bootstrap --no-notices "${CONTEXT[@]}"
npx cdklocal deploy "$STACK" --app "$OUT" --require-approval never --no-notices "${CONTEXT[@]}" "$@"

echo
echo "Deployed $STACK (LocalStack profile). Next:"
echo "  npm run mailroom -- keys create --tenant demo --scopes admin --stack $STACK     # with AWS_ENDPOINT_URL set"
echo "  npm run smoke -- --stack $STACK --key <key> --from hello@example.com"
echo "The API URL is the stack output ApiUrl (a REST API stage: …/v1)."
