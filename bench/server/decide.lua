-- wrk: POST /v1/decide with a bearer token (TOKEN in the environment); every request is a
-- decision the server records durably in the audit log before answering.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"protocol":"demo-safeguarding-requests","provider":"essex-cc","data":["cf-case-status"],' ..
           '"purpose":"child-protection","format":"request_response","subject":"MOS-100001",' ..
           '"justification":"strategy meeting","audit_reference":"AR-77"}'
