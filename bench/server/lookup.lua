-- wrk: a self-service look-up (decided, logged, fetched from the demo Mosaic, sealed as a
-- disclosure and logged again) with a bearer token (TOKEN in the environment).
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
