-- wrk script: issue CITokens through the API with a session cookie.
-- COOKIE and CSRF come from the environment (see bench/http.sh).
wrk.method = "POST"
wrk.body = '{"type":"CIToken","name":"load"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("CSRF")
