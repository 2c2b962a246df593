-- tests/bench/reports.lua: wrk script that POSTs truck reports as JSON,
-- every one with its own report_id, with the tokens of several organisations.
-- wrk ... -s reports.lua URL -- RUN_ID BATCH CORRIDORS DATES TOKEN...
--   RUN_ID     hex digits unique to this run (report_ids never repeat across runs)
--   BATCH      0: one report object per request; N: {"reports": [N reports]}
--   CORRIDORS  corridors are corridor-01 .. corridor-NN
--   DATES      comma-separated past dates to spread reports over
local threads = {}
local next_thread = 0

function setup(thread)
	thread:set("thread_no", next_thread)
	next_thread = next_thread + 1
	table.insert(threads, thread)
end

local run_id, batch, ncorr, dates, tokens
local seq = 0
local cargos = { "food", "medical", "fuel", "mixed", "hygiene" }

function init(args)
	run_id = tonumber(args[1], 16)
	batch = tonumber(args[2])
	ncorr = tonumber(args[3])
	dates = {}
	for d in string.gmatch(args[4], "[^,]+") do table.insert(dates, d) end
	tokens = {}
	for i = 5, #args do table.insert(tokens, args[i]) end
	math.randomseed(run_id + thread_no)
	-- Threads start far apart in the sequence, so they do not send the same
	-- corridor, day and organisation at the same moment (rows of
	-- truck_daily that every thread would update at once).
	seq = thread_no * 7919
end

local function report()
	seq = seq + 1
	-- xxxxxxxx-tttt-4sss-8sss-ssssssssssss: run, thread, sequence
	local id = string.format("%08x-%04x-4%03x-8%03x-%012x", run_id, thread_no,
		math.floor(seq / 4096 / 4096) % 4096, math.floor(seq / 4096) % 4096, seq)
	return string.format('{"kind":"trucks","report_id":"%s","corridor":"corridor-%02d",' ..
		'"date":"%s","trucks":%d,"cargo":"%s","crossing":"North gate",' ..
		'"source_url":"https://example.org/sitrep/%d"}',
		id, seq % ncorr + 1, dates[seq % #dates + 1], math.random(0, 450),
		cargos[seq % #cargos + 1], seq)
end

function request()
	local body
	if batch == 0 then
		body = report()
	else
		local parts = {}
		for i = 1, batch do parts[i] = report() end
		body = '{"reports":[' .. table.concat(parts, ",") .. ']}'
	end
	local headers = {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. tokens[seq % #tokens + 1],
	}
	return wrk.format("POST", nil, headers, body)
end
