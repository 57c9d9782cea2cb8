/*
 * Runs the request side of an Envoy Lua filter's script in a Lua VM (fengari), with a stand-in for
 * Envoy's request handle: its header map starts with the given header names, iterates with
 * pairs() and refuses changes during iteration, as Envoy's does. Returns the names still there
 * after envoy_on_request.
 */
// fengari ships no type declarations
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fengari = require('fengari');

export function headersAfterLuaRequest(script: string, headerNames: string[]): string[] {
  const { lua, lauxlib, lualib, to_luastring: toLua, to_jsstring: toJs } = fengari;
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const harness = [
    script,
    `local names = { ${headerNames.map((h) => JSON.stringify(h)).join(', ')} }`,
    'local present = {}',
    'for _, h in ipairs(names) do present[h] = true end',
    'local iterating = false',
    'local map = setmetatable({}, {',
    '  __index = { remove = function(_, name)',
    '    if iterating then error("the header map was changed while it was iterated") end',
    '    present[name] = nil',
    '  end },',
    '  __pairs = function(_)',
    '    local i = 0',
    '    iterating = true',
    '    return function()',
    '      repeat i = i + 1 until i > #names or present[names[i]]',
    '      if i > #names then iterating = false return nil end',
    '      return names[i], "value"',
    '    end',
    '  end,',
    '})',
    'envoy_on_request({ headers = function(_) return map end })',
    'local left = {}',
    'for _, h in ipairs(names) do if present[h] then left[#left + 1] = h end end',
    'return table.concat(left, ",")',
  ].join('\n');
  if (lauxlib.luaL_dostring(L, toLua(harness)) !== lua.LUA_OK) {
    throw new Error(`Lua error: ${toJs(lua.lua_tostring(L, -1))}`);
  }
  const left = toJs(lua.lua_tostring(L, -1));
  return left === '' ? [] : left.split(',');
}
