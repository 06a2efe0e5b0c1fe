-- wrk script of `make bench`'s many-users run: every request carries the next session
-- cookie of a file (one `Cookie` header value a line), round robin, so that the load is
-- spread evenly over every user in it (with edge-sso: over every user's own object).
--   wrk -t1 -c32 -d5s -s bench/many-users.lua http://127.0.0.1:8787/ -- cookies.txt
local cookies, n, i = {}, 0, 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      n = n + 1
      cookies[n] = line
    end
  end
  assert(n > 0, "no cookie in " .. tostring(args[1]))
end

function request()
  i = i % n + 1
  return wrk.format(nil, nil, { ["Cookie"] = cookies[i] })
end
