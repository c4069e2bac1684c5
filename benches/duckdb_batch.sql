-- Section 4.2 of the reference agreement (rules/spa-2000-02-25.rules) in DuckDB SQL: the
-- yardstick `duckdb_compare.py` times `deemed batch` against, on the same log.
--
-- It does what benches/batch_reference.py does, no more: the clauses and the gap rules by
-- hand, one answer per record (the earliest of its deliveries), the deemed date, the
-- effective instant, the clause and the status; no warnings, no trace, no error messages
-- (a line that is not JSON, or a time it cannot read, is left out). Business days come from `closed`, the
-- calendar's holidays and closures as `deemed calendar holidays` lists them.
--
-- Parameters (set by the script): the log at 'LOG', the closed days at 'CLOSED', the
-- output at 'OUT'.

CREATE TEMP TABLE closed AS
SELECT CAST(date AS DATE) AS day FROM read_csv('CLOSED', header = true, columns = {'date': 'VARCHAR'});

-- Every day from 1999 to 2027, whether it is a Business Day, and the next one after it.
CREATE TEMP TABLE days AS
WITH d AS (
    SELECT CAST(day AS DATE) AS day
    FROM range(DATE '1999-01-01', DATE '2028-01-01', INTERVAL 1 DAY) AS t(day)
), b AS (
    SELECT day,
           dayofweek(day) NOT IN (0, 6) AND day NOT IN (SELECT day FROM closed) AS business
    FROM d
)
SELECT day, business,
       first_value(CASE WHEN business THEN day END IGNORE NULLS) OVER (
           ORDER BY day ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next
FROM b;

-- The parties' designated numbers, as digits.
CREATE TEMP TABLE faxes AS
SELECT * FROM (VALUES ('company', '9497886706'), ('montrose', '2147581221'),
                      ('counsel', '2125414630'), ('counsel', '2125411432')) AS f(party, digits);
CREATE TEMP TABLE parties AS
SELECT * FROM (VALUES ('company'), ('montrose'), ('strong-river'), ('counsel')) AS p(party);

-- The log's lines, numbered, each read as JSON; a line that is not is left out.
CREATE TEMP TABLE log AS
WITH lines AS (
    SELECT row_number() OVER () AS line, text
    FROM read_csv('LOG', columns = {'text': 'VARCHAR'}, delim = '\x01', quote = '', escape = '',
                  header = false, auto_detect = false)
)
SELECT line,
       text ->> '$.id' AS id, text ->> '$.method' AS method, text ->> '$.sent' AS sent,
       text ->> '$.received' AS received, text ->> '$.to' AS "to",
       text ->> '$.fax_number' AS fax_number,
       json_transform(text -> '$.deliveries',
           '[{"method": "VARCHAR", "sent": "VARCHAR", "received": "VARCHAR", "to": "VARCHAR", "fax_number": "VARCHAR"}]')
           AS deliveries
FROM lines
WHERE json_valid(text);

COPY (
    WITH deliveries AS (
        SELECT line, id,
               unnest(coalesce(deliveries,
                   [{'method': method, 'sent': sent, 'received': received, 'to': "to", 'fax_number': fax_number}])) AS d
        FROM log
    ), given AS (
        SELECT line, id, d."to" AS "to", d.method AS method,
               TRY_CAST(d.sent AS TIMESTAMPTZ) AS sent,
               TRY_CAST(d.received AS TIMESTAMPTZ) AS received,
               regexp_replace(d.fax_number, '[^0-9]', '', 'g') AS digits
        FROM deliveries
        WHERE d.method IN ('fax', 'courier', 'hand', 'mail', 'email')
          AND (d."to" IS NULL OR d."to" IN (SELECT party FROM parties))
    ), local AS (
        SELECT r.*, timezone('America/New_York', sent) AS local_at,
               CASE WHEN length(digits) = 11 AND digits LIKE '1%' THEN digits[2:] ELSE digits END AS number
        FROM given r
    ), facts AS (
        SELECT l.*, CAST(local_at AS DATE) AS day, CAST(local_at AS TIME) AS local_time, days.business, days.next,
               ("to" IS NULL OR ("to" IN (SELECT party FROM faxes)
                   AND (number IS NULL OR EXISTS (
                       SELECT 1 FROM faxes f WHERE f.party = l."to" AND f.digits = l.number))))
                   AS designated
        FROM local l JOIN days ON days.day = CAST(l.local_at AS DATE)
    ), decided AS (
        SELECT line, id, sent, received,
            CASE
                WHEN method = 'fax' AND designated AND local_time < TIME '20:00:00' AND business THEN day
                WHEN method = 'fax' AND designated THEN next
                WHEN method = 'fax' THEN CAST(timezone('America/New_York', received) AS DATE)
                WHEN method = 'courier' THEN next
                ELSE CAST(timezone('America/New_York', received) AS DATE)
            END AS deemed_date,
            CASE
                WHEN method = 'fax' AND designated AND local_time < TIME '20:00:00' AND business THEN 'i'
                WHEN method = 'fax' AND designated AND local_time > TIME '20:00:00' AND local_time < TIME '23:59:00' THEN 'ii'
                WHEN method = 'fax' AND designated AND local_time = TIME '20:00:00' THEN 'at-eight-pm'
                WHEN method = 'fax' AND designated AND local_time >= TIME '23:59:00' THEN 'after-eleven-fifty-nine'
                WHEN method = 'fax' AND designated THEN 'before-eight-pm-non-business-day'
                WHEN method = 'fax' THEN 'not-designated-number'
                WHEN method = 'courier' THEN 'iii'
                ELSE 'iv'
            END AS clause
        FROM facts
    ), answered AS (
        SELECT line, id, deemed_date, clause,
            CASE
                WHEN deemed_date IS NULL THEN NULL
                WHEN clause IN ('iv', 'not-designated-number') THEN received
                ELSE greatest(sent, timezone('America/New_York', CAST(deemed_date AS TIMESTAMP)))
            END AS effective_at,
            CASE
                WHEN clause IN ('i', 'ii', 'iii') THEN 'effective'
                WHEN clause = 'iv' AND deemed_date IS NULL THEN 'pending'
                WHEN clause = 'iv' THEN 'effective'
                ELSE 'gap'
            END AS status
        FROM decided
    )
    SELECT id, line, arg_min(deemed_date, coalesce(effective_at, TIMESTAMPTZ '9999-12-31')) AS deemed_date,
           min(effective_at) AS effective_at,
           arg_min(clause, coalesce(effective_at, TIMESTAMPTZ '9999-12-31')) AS clause,
           arg_min(status, coalesce(effective_at, TIMESTAMPTZ '9999-12-31')) AS status
    FROM answered
    GROUP BY line, id
    ORDER BY line
) TO 'OUT' (FORMAT json);
