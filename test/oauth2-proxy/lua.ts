/*
 * Runs the request side of an Envoy Lua filter's script in a Lua VM (fengari), with a stand-in for
 * Envoy's request handle whose header map starts with the given header names. Returns the names
 * still there after envoy_on_request.
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
    'local map = { remove = function(_, name) present[name] = nil end }',
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
