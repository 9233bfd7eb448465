-- wrk script for bench/load.py: counts the HTTP status of every response.
--
-- wrk itself counts only "Non-2xx or 3xx responses", so a redirect (e.g. to /login after a lost
-- session) would pass as a success; this script prints one line per status seen
-- ("status 200 12345") after wrk's own summary, and bench/load.py counts every status other
-- than the page's expected one as an error.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         total[status] = (total[status] or 0) + count
      end
   end
   for status, count in pairs(total) do
      io.write(string.format("status %d %d\n", status, count))
   end
end
