#!/usr/bin/env bash
# npm run deploy:localstack — deploy the Mailroom CDK app into a running LocalStack with cdklocal.
#
# Prerequisites (see docs/localstack.md):
#   - LocalStack running and reachable at AWS_ENDPOINT_URL (default http://localhost:4566);
#   - Node 20+ and `npm ci` done (cdklocal comes from the aws-cdk-local dev dependency).
# Extra arguments go to `cdklocal deploy` (e.g. -c alarmEmail=ops@example.com).
set -euo pipefail

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localhost:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export CDK_DISABLE_CLI_TELEMETRY=true
STACK="${MAILROOM_STACK:-Mailroom}"

if ! curl -sf "$AWS_ENDPOINT_URL/_localstack/health" >/dev/null; then
  echo "LocalStack is not answering at $AWS_ENDPOINT_URL (GET /_localstack/health). Start it first, or set AWS_ENDPOINT_URL." >&2
  exit 2
fi

cd "$(dirname "$0")/.."
# Community LocalStack cannot create the SES configuration set's EventBridge destination.
CONTEXT=(-c sesEventDestination=false)

npx cdklocal bootstrap --no-notices "${CONTEXT[@]}"
npx cdklocal deploy "$STACK" --require-approval never --no-notices "${CONTEXT[@]}" "$@"

echo
echo "Deployed $STACK to LocalStack. Next:"
echo "  npm run mailroom -- keys create --tenant demo --scopes admin --stack $STACK     # with AWS_ENDPOINT_URL set"
echo "  npm run smoke -- --stack $STACK --key <key> --from hello@example.com"
