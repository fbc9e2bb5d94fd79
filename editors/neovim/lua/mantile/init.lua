-- mantile-lsp helpers for Neovim 0.11+: which files are Mantile files, where the workspace is,
-- which server binary runs, and the :MantileCheck / :MantileNew commands (plugin/mantile.lua).
local M = {}

--- The Mantile files, by path: model configs, test specs and gap reports (as the server's
--- classify and VS Code's document selector). Each pattern captures the workspace root.
M.kinds = {
  { kind = 'config', pattern = '^(.*)/backend/data/model_configs/[^/]+%.json$' },
  { kind = 'test-spec', pattern = '^(.*)/tests/[^/]+_tests%.md$' },
  { kind = 'gap-report', pattern = '^(.*)/model_builder/gaps/[^/]+%.md$' },
}

--- The kind of a Mantile file and its workspace root, or nil for any other file.
---@param path string
---@return string? kind, string? root
function M.classify(path)
  if not path or path == '' then return nil end
  path = vim.fs.normalize(path)
  for _, k in ipairs(M.kinds) do
    local root = path:match(k.pattern)
    if root then
      if k.kind == 'gap-report' and vim.fs.basename(path):lower() == 'readme.md' then return nil end
      return k.kind, root == '' and '/' or root
    end
  end
end

local function is_dir(p) return vim.fn.isdirectory(p) == 1 end

--- Whether `dir` is a Mantile workspace: it holds backend/data/model_configs or tests/.
function M.is_root(dir)
  return is_dir(dir .. '/backend/data/model_configs') or is_dir(dir .. '/tests')
end

--- The workspace around `path` (a file or folder; default: the current buffer, else the
--- current folder): the nearest folder, walking up, that is a Mantile workspace.
---@param path string?
---@return string?
function M.find_root(path)
  if not path or path == '' then
    local name = vim.api.nvim_buf_get_name(0)
    path = (name ~= '' and vim.bo.buftype == '') and name or vim.uv.cwd()
  end
  local dir = vim.fs.normalize(vim.fn.fnamemodify(path, ':p'))
  if not is_dir(dir) then dir = vim.fs.dirname(dir) end
  dir = dir:gsub('(.)/$', '%1')
  while dir do
    if M.is_root(dir) then return dir end
    local parent = vim.fs.dirname(dir)
    if not parent or parent == dir then return nil end
    dir = parent
  end
end

--- The resolved `mantile` LSP configuration (lsp/mantile.lua merged with the user's).
function M.config()
  local ok, cfg = pcall(function() return vim.lsp.config.mantile end)
  return ok and cfg or {}
end

--- The server binary: the first word of the configured `cmd`, else mantile-lsp.
function M.server()
  local cmd = M.config().cmd
  if type(cmd) == 'table' and type(cmd[1]) == 'string' then return cmd[1] end
  return 'mantile-lsp'
end

--- The `mantile` settings section of the configuration.
function M.settings()
  local s = M.config().settings
  return (type(s) == 'table' and type(s.mantile) == 'table') and s.mantile or {}
end

--- The Hub settings: `offline` and `enabled` from `settings.mantile.hub` (or `init_options.hub`);
--- `endpoint` and `home` from `init_options.hub` only, as the server takes them (a workspace's
--- settings must not choose where the token is sent or where files are written).
function M.hub()
  local cfg = M.config()
  local init = type(cfg.init_options) == 'table' and type(cfg.init_options.hub) == 'table' and cfg.init_options.hub or {}
  local set = M.settings().hub
  set = type(set) == 'table' and set or {}
  local function pick(k) if set[k] ~= nil then return set[k] end return init[k] end
  local function text(v) return type(v) == 'string' and v ~= '' and v or nil end
  return { offline = pick('offline') == true, enabled = pick('enabled') ~= false, endpoint = text(init.endpoint), home = text(init.home) }
end

--- Environment for the command line, from the Hub settings (as the VS Code extension does).
function M.env()
  local hub = M.hub()
  local env = {}
  if hub.offline then env.HF_HUB_OFFLINE = '1' end
  if hub.endpoint then env.HF_ENDPOINT = hub.endpoint end
  if hub.home then env.HF_HOME = hub.home end
  return env
end

--- `--rule CODE=LEVEL` arguments from the `rules` setting, sorted.
function M.rule_args()
  local rules = M.settings().rules
  local args, keys = {}, {}
  if type(rules) ~= 'table' then return args end
  for k in pairs(rules) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    vim.list_extend(args, { '--rule', k .. '=' .. tostring(rules[k]) })
  end
  return args
end

local qf_type = { error = 'E', warning = 'W', info = 'I', hint = 'N' }

--- Quickfix items from a `check --format json` report (version 1). Columns in the report count
--- characters; quickfix columns are bytes, so each is converted on its line.
---@param report table
---@param cwd string the folder the check ran in (its paths are relative to it)
function M.qf_items(report, cwd)
  local items, lines = {}, {}
  local function line_of(file, n)
    lines[file] = lines[file] or (vim.uv.fs_stat(file) and vim.fn.readfile(file) or {})
    return lines[file][n] or ''
  end
  local function byte_col(file, pos)
    local text = line_of(file, pos.line)
    local ok, b = pcall(vim.str_byteindex, text, 'utf-32', pos.column - 1, false)
    return (ok and b or pos.column - 1) + 1
  end
  for _, d in ipairs(report.diagnostics or {}) do
    local file = d.path
    if not file:match('^/') then file = vim.fs.joinpath(cwd, file) end
    items[#items + 1] = {
      filename = file,
      lnum = d.range.start.line,
      col = byte_col(file, d.range.start),
      end_lnum = d.range['end'].line,
      end_col = byte_col(file, d.range['end']),
      type = qf_type[d.severity] or 'E',
      text = string.format('[%s] %s', d.code, d.message),
    }
  end
  return items
end

--- "2 files checked: 1 error, 2 warnings, 0 info, 0 hints" (as the VS Code extension says it).
function M.summary(report)
  local s = report.summary or {}
  local function n(k, word, plural)
    local v = s[k] or 0
    return string.format('%d %s', v, v == 1 and word or plural)
  end
  local files = #(report.files or {})
  return string.format('%d %s checked: %s, %s, %s, %s', files, files == 1 and 'file' or 'files',
    n('error', 'error', 'errors'), n('warning', 'warning', 'warnings'), n('info', 'info', 'info'),
    n('hint', 'hint', 'hints'))
end

local function notify(msg, level) vim.notify('mantile: ' .. msg, level or vim.log.levels.INFO) end

--- :MantileCheck [PATH]: `mantile-lsp check --format json` on the workspace (or PATH), the
--- findings in the quickfix list. `opts.on_done(report|nil, err|nil)` is called when it ends.
function M.check(path, opts)
  opts = opts or {}
  local target = (path and path ~= '') and vim.fn.fnamemodify(path, ':p') or M.find_root()
  local function finish(report, err)
    if err then notify(err, vim.log.levels.ERROR) end
    if opts.on_done then opts.on_done(report, err) end
  end
  if not target then
    return finish(nil, 'no Mantile workspace here (no folder from here up holds backend/data/model_configs or tests/)')
  end
  local cwd = M.find_root(target) or (is_dir(target) and target or vim.fs.dirname(target))
  local cmd = { M.server(), 'check', '--format', 'json' }
  vim.list_extend(cmd, M.rule_args())
  cmd[#cmd + 1] = target
  local ok, err = pcall(vim.system, cmd, { text = true, cwd = cwd, env = M.env() }, vim.schedule_wrap(function(r)
    if r.code ~= 0 and r.code ~= 1 then
      local first = (r.stderr or ''):match('[^\n]+') or ('exit status ' .. r.code)
      return finish(nil, 'check failed: ' .. first)
    end
    local dok, report = pcall(vim.json.decode, r.stdout or '')
    if not dok or type(report) ~= 'table' or report.version ~= 1 then
      return finish(nil, 'check did not print a version 1 JSON report')
    end
    vim.fn.setqflist({}, ' ', { title = 'mantile-lsp check ' .. target, items = M.qf_items(report, cwd) })
    local summary = M.summary(report)
    notify(summary, (report.summary or {}).error == 0 and vim.log.levels.INFO or vim.log.levels.WARN)
    if #(report.diagnostics or {}) > 0 and opts.open ~= false then vim.cmd('botright copen') end
    finish(report, nil)
  end))
  if not ok then finish(nil, 'cannot run ' .. M.server() .. ': ' .. tostring(err)) end
end

--- A Hugging Face id `org/name`, as `mantile-lsp new` accepts it.
function M.valid_model_id(id)
  return type(id) == 'string' and id:match('^[%w][%w._-]*/[%w][%w._-]*$') ~= nil
end

--- :MantileNew[!] ORG/NAME: `mantile-lsp new` into backend/data/model_configs/ORG_NAME.json of
--- the workspace, then opens it (! overwrites an existing file). `opts.on_done(path|nil, err|nil)`.
function M.new(id, force, opts)
  opts = opts or {}
  local function finish(path, err)
    if err then notify(err, vim.log.levels.ERROR) end
    if opts.on_done then opts.on_done(path, err) end
  end
  id = vim.trim(id or '')
  if not M.valid_model_id(id) then
    return finish(nil, 'a Hugging Face model id is org/name, like meta-llama/Llama-3.3-70B-Instruct')
  end
  local root = M.find_root()
  if not root then return finish(nil, 'not inside a Mantile workspace') end
  local target = vim.fs.joinpath(root, 'backend/data/model_configs', id:gsub('/', '_') .. '.json')
  if vim.uv.fs_stat(target) and not force then
    return finish(nil, target .. ' already exists (:MantileNew! ' .. id .. ' overwrites it)')
  end
  local cmd = { M.server(), 'new', id, '--out', target }
  if force then cmd[#cmd + 1] = '--force' end
  notify('generating a config for ' .. id .. '…')
  local ok, err = pcall(vim.system, cmd, { text = true, cwd = root, env = M.env() }, vim.schedule_wrap(function(r)
    if r.code ~= 0 then
      local msg = (r.stderr or ''):match('error: ([^\n]+)') or ('exit status ' .. r.code)
      return finish(nil, msg)
    end
    vim.cmd.edit(vim.fn.fnameescape(target))
    local notes = {}
    for line in (r.stderr or ''):gmatch('[^\n]+') do
      if line:match('^note:') then notes[#notes + 1] = line end
    end
    notify('wrote ' .. target .. (#notes > 0 and ('\n' .. table.concat(notes, '\n')) or ''))
    finish(target, nil)
  end))
  if not ok then finish(nil, 'cannot run ' .. M.server() .. ': ' .. tostring(err)) end
end

return M
