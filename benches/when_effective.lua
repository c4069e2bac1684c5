-- wrk script: POST one notice to /v1/when-effective (benches/README.md says how it is run).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"method":"fax","sent":"2000-03-03T21:15:00-05:00","to":"company","fax_number":"(949) 788-6706"}'
