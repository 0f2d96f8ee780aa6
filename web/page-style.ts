// The node page's stylesheet: system fonts only, light and dark from prefers-color-scheme, one column
// under 700 px (375 px phones), fixed-size chart boxes and reserved banner space so that updates never
// shift the layout.
export const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1d21; --muted: #5c6370; --line: #d6d9de; --card: #f6f7f9;
  --crit: #c0262d; --warn: #a15c00; --ok: #1d7a3a; --value: #2a62c9; --score: #c0262d; --focus: #2a62c9; }
@media (prefers-color-scheme: dark) { :root { --bg: #121417; --fg: #e6e8eb; --muted: #a0a7b4; --line: #353a42; --card: #1b1e23;
  --crit: #ff6b6b; --warn: #f0b35a; --ok: #5fd38a; --value: #7fb0ff; --score: #ff7b7b; --focus: #7fb0ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-variant-numeric: tabular-nums; }
a { color: var(--value); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 2; }
header { padding: 12px 16px; border-bottom: 1px solid var(--line); }
header h1 { margin: 0; font-size: 1.35rem; overflow-wrap: anywhere; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 0; padding: 0; list-style: none; color: var(--muted); font-size: .9rem; }
.facts b { color: var(--fg); font-weight: 600; }
#f-uptime, #f-tick { display: inline-block; min-width: 5.5em; }
#banner { min-height: 2.6rem; margin: 0; padding: 8px 16px; font-weight: 600; }
#banner.down { background: var(--crit); color: #fff; }
#banner.ok { color: var(--muted); font-weight: 400; }
main { padding: 0 16px 32px; display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 32px; max-width: 1400px; }
main > section { min-width: 0; }
#alerts-section, #anomalies-section { grid-column: 1 / -1; }
h2 { font-size: 1.1rem; margin: 20px 0 8px; }
h2 .count { color: var(--muted); font-weight: 400; }
.empty { color: var(--muted); margin: 4px 0; }
ul.alerts { list-style: none; margin: 0; padding: 0; }
ul.alerts li { border-left: 5px solid var(--warn); background: var(--card); padding: 8px 12px; margin: 0 0 8px; }
ul.alerts li.sev-critical { border-left-color: var(--crit); }
ul.alerts li.resolved { border-left-color: var(--ok); opacity: .85; }
.alert-title { font-weight: 600; overflow-wrap: anywhere; }
.badge { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase; padding: 0 6px; border-radius: 3px; border: 1px solid currentColor; margin-right: 6px; }
.badge.firing { color: var(--crit); } .badge.pending { color: var(--warn); } .badge.resolved { color: var(--ok); }
.meta { color: var(--muted); font-size: .9rem; overflow-wrap: anywhere; }
ol.series { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 8px; }
ol.series li { margin: 0; }
ol.series button { width: 100%; height: 96px; display: grid; grid-template-columns: minmax(0, 1fr) 120px; grid-template-rows: auto auto 1fr; gap: 0 8px; text-align: left;
  background: var(--card); color: var(--fg); border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 4px; padding: 6px 8px; font: inherit; cursor: pointer; }
ol.series button.anomalous { border-left-color: var(--crit); }
.s-name { grid-column: 1 / -1; font-weight: 600; font-size: .9rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.s-nums { font-size: .85rem; color: var(--muted); grid-row: 2 / 4; }
.s-nums b { color: var(--fg); }
.s-nums .flag { color: var(--crit); font-weight: 700; }
svg.spark { grid-row: 2 / 4; width: 120px; height: 64px; align-self: center; }
svg .v { fill: none; stroke: var(--value); stroke-width: 1.5; }
svg .s { fill: none; stroke: var(--score); stroke-width: 1; stroke-dasharray: 3 2; }
svg .a { fill: var(--crit); }
svg .axis { stroke: var(--line); stroke-width: 1; }
svg text { fill: var(--muted); font-size: 11px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: 4px 8px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; }
.bad { color: var(--crit); font-weight: 600; } .good { color: var(--ok); }
.scroll { overflow-x: auto; }
dialog { width: min(960px, 96vw); max-height: 92vh; border: 1px solid var(--line); background: var(--bg); color: var(--fg); padding: 12px 16px; }
dialog::backdrop { background: rgba(0, 0, 0, .5); }
dialog h2 { margin-top: 0; overflow-wrap: anywhere; }
.ranges { display: flex; gap: 8px; margin: 0 0 8px; }
.ranges button, .close { font: inherit; padding: 4px 12px; border: 1px solid var(--line); background: var(--card); color: var(--fg); border-radius: 4px; cursor: pointer; }
.ranges button[aria-pressed="true"] { border-color: var(--focus); font-weight: 700; }
.close { float: right; }
svg.big { width: 100%; height: 260px; display: block; }
.legend { font-size: .85rem; color: var(--muted); }
.legend .lv { color: var(--value); } .legend .ls { color: var(--score); }
footer { padding: 8px 16px 24px; color: var(--muted); font-size: .85rem; }
@media (max-width: 700px) {
  main { grid-template-columns: minmax(0, 1fr); padding: 0 10px 24px; }
  header, #banner, footer { padding-left: 10px; padding-right: 10px; }
  ol.series { grid-template-columns: minmax(0, 1fr); }
  ol.series button { grid-template-columns: minmax(0, 1fr) 104px; }
  svg.spark { width: 104px; }
  .hide-narrow { display: none; }
}
`.trim();
