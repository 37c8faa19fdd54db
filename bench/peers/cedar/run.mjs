// Evaluates OUT/calls.jsonl against OUT/policies.cedar with Cedar (cedar-wasm, preparsed
// policy set, statefulIsAuthorized), checks every decision against Concordat's, and prints
// Cedar's rate. Only the authorization calls are timed; reading and parsing the call files is
// not, which favours Cedar.
import { readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

const dir = process.argv[2];
const policies = readFileSync(`${dir}/policies.cedar`, 'utf8');
const parsed = cedar.preparsePolicySet('concordat', { staticPolicies: policies });
if (parsed.type !== 'success') {
  console.error('Cedar could not parse the policies:', JSON.stringify(parsed.errors ?? parsed, null, 1).slice(0, 2000));
  process.exit(2);
}
const calls = readFileSync(`${dir}/calls.jsonl`, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));

let agree = 0, disagree = 0, permits = 0, errors = 0;
const shown = [];
function runOnce(check) {
  for (const c of calls) {
    const answer = cedar.statefulIsAuthorized({
      principal: c.principal, action: c.action, resource: c.resource, context: c.context,
      entities: c.entities, preparsedPolicySetId: 'concordat',
    });
    if (!check) continue;
    if (answer.type !== 'success') {
      errors++;
      if (shown.length < 3) shown.push(JSON.stringify(answer).slice(0, 600));
      continue;
    }
    const got = answer.response.decision === 'allow' ? 'permit' : 'deny';
    if (answer.response.diagnostics.errors.length && shown.length < 3)
      shown.push(JSON.stringify(answer.response.diagnostics.errors).slice(0, 600));
    if (got === 'permit') permits++;
    if (got === c.expect) agree++;
    else {
      disagree++;
      if (shown.length < 3) shown.push(`disagree: cedar ${got}, concordat ${c.expect}: ${JSON.stringify(c.context)}`);
    }
  }
}
runOnce(true);  // correctness pass (also warms up)
const t0 = process.hrtime.bigint();
let rounds = 0;
let seconds = 0;
do {
  runOnce(false);
  rounds++;
  seconds = Number(process.hrtime.bigint() - t0) / 1e9;
} while (seconds < 3);
const rate = (rounds * calls.length) / seconds;
console.log(JSON.stringify({ cedar_version: cedar.getCedarVersion(), requests: calls.length, agree, disagree, errors,
                             permits, cedar_decisions_per_second: rate }));
for (const s of shown) console.error(s);
process.exit(disagree || errors ? 1 : 0);
