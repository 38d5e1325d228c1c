package render

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// MatrixAdminColor is the background of an admin cell of the matrix: a
// colour used nowhere else, so a screenshot shows whether the matrix is
// drawn.
const MatrixAdminColor = "#6a1b9a"

// HTML writes the report as one self-contained page: inline CSS and a
// little inline JavaScript (sorting, filters), no external fetch at all
// (a Content-Security-Policy forbids any), readable without JavaScript and
// on paper.
func HTML(w io.Writer, r *audit.Report) error {
	return htmlTemplate.Execute(w, newView(r))
}

const css = `
:root{--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--head:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:16px 24px;max-width:1600px;overflow-wrap:break-word}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}h3{font-size:16px;margin:20px 0 6px}
.muted{color:var(--muted)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
nav{position:sticky;top:0;background:var(--bg);padding:6px 0;border-bottom:1px solid var(--line);z-index:3}
nav a{margin-right:14px;color:#0b5cad;text-decoration:none}
table{border-collapse:collapse;margin:6px 0 12px;width:auto;max-width:100%}
th,td{border:1px solid var(--line);padding:4px 7px;text-align:left;vertical-align:top}
table.fit{width:100%;table-layout:fixed}
table.fit td{overflow-wrap:break-word}
td code,li code{white-space:normal;word-break:normal;overflow-wrap:break-word}
col.c-sev{width:92px}col.c-rule{width:180px}col.c-where{width:210px}
table.fit th{overflow-wrap:normal;word-break:normal}
col.c-repo{width:210px}col.c-state{width:110px}col.c-num{width:80px}col.c-cla{width:52px}
col.c-date{width:92px}col.c-commit{width:110px}col.c-who{width:150px}
details.section>summary{cursor:pointer;font-size:19px;font-weight:600;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line);list-style-position:outside}
details.section>summary .muted{font-size:14px;font-weight:400}
details.repo>summary{cursor:pointer;padding:3px 0}
details.repo{border-top:1px solid var(--line)}
.more{color:var(--muted)}
.undecl{font-weight:700;color:#a40e26}
th{background:var(--head);font-weight:600}
table.sortable th{cursor:pointer}table.sortable th[aria-sort=ascending]::after{content:" \25B2"}table.sortable th[aria-sort=descending]::after{content:" \25BC"}
.sev{display:inline-block;border-radius:3px;padding:0 6px;font-weight:600;font-size:12px;border:1px solid #0000}
.sev-critical{background:#a40e26;color:#fff}.sev-high{background:#d15704;color:#fff}.sev-medium{background:#ffd33d;color:#1b1f24}.sev-low{background:#ddf4ff;color:#1b1f24}.sev-info{background:#eef1f4;color:#1b1f24}
.bad{color:#a40e26;font-weight:600}.good{color:#116329}
.tag{display:inline-block;border:1px solid var(--line);border-radius:10px;padding:0 6px;font-size:11.5px;margin-left:3px;color:var(--muted)}
.tag-outside{border-color:#d15704;color:#d15704}
ul.plain{margin:0;padding-left:16px}
input.filter{font:inherit;padding:4px 8px;margin:4px 8px 4px 0;border:1px solid var(--line);border-radius:4px;min-width:260px}
.matrix-wrap{overflow:auto;max-height:60vh;border:1px solid var(--line)}
table.matrix{margin:0;border-collapse:separate;border-spacing:0}
table.matrix th,table.matrix td{border:0;border-right:1px solid #fff;border-bottom:1px solid #fff;padding:2px 4px;text-align:center;min-width:24px}
table.matrix thead th{position:sticky;top:0;z-index:2;vertical-align:bottom;background:var(--head)}
table.matrix thead th.person{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:500;padding:6px 2px;text-align:left}
table.matrix th.repo{position:sticky;left:0;z-index:1;text-align:left;white-space:nowrap;background:var(--head);font-weight:500}
table.matrix thead th.corner{left:0;z-index:3}
td.r-admin{background:` + MatrixAdminColor + `;color:#fff;font-weight:700}
td.r-maintain{background:#9c4dcc;color:#fff;font-weight:600}
td.r-write{background:#ce93d8;color:#1b1f24}
td.r-triage{background:#e8d5ee;color:#1b1f24}
td.r-read{background:#f5eef8;color:#7d6b85}
td.r-none{background:#fff}
table.matrix td.undecl{outline:3px solid #a40e26;outline-offset:-3px;color:#fff}
table.matrix td.undecl::after{content:"!";font-size:10px;vertical-align:super}
.legend span{display:inline-block;padding:0 8px;margin-right:6px}
.legend .undecl{outline:3px solid #a40e26;outline-offset:-3px}
.legend .r-admin{background:` + MatrixAdminColor + `;color:#fff}.legend .r-maintain{background:#9c4dcc;color:#fff}.legend .r-write{background:#ce93d8}.legend .r-triage{background:#e8d5ee}.legend .r-read{background:#f5eef8}
section.repo{border-top:1px solid var(--line);margin-top:14px}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:6px 0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
@media print{
 @page{size:A4 landscape;margin:12mm}
 nav,input.filter,.noprint{display:none!important}
 body{font-size:9pt;max-width:none;padding:0}
 h2,summary{page-break-after:avoid}
 details>summary{list-style:none}
 details::details-content{content-visibility:visible;display:contents}
 td,th{padding:2px 4px}
 col.c-rule{width:150px}col.c-where{width:170px}
 table{page-break-inside:auto}tr{page-break-inside:avoid}thead{display:table-header-group}
 .matrix-wrap{overflow:visible;max-height:none;border:0}
 table.matrix thead th,table.matrix th.repo{position:static}
 a{color:inherit;text-decoration:none}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`

const js = `(function(){
"use strict";
function each(list,fn){Array.prototype.forEach.call(list,fn);}
function key(td){var k=td.getAttribute("data-sort");return k!==null?k:td.textContent.trim().toLowerCase();}
function cmp(x,y){var a=Number(x),b=Number(y);if(x!==""&&y!==""&&!isNaN(a)&&!isNaN(b)){return a-b;}return x<y?-1:x>y?1:0;}
each(document.querySelectorAll("table.sortable"),function(t){
 if(!t.tHead||!t.tBodies.length){return;}
 var ths=t.tHead.rows[0].cells;
 each(ths,function(th,i){
  th.tabIndex=0;
  function sort(){
   var asc=th.getAttribute("aria-sort")!=="ascending";
   each(ths,function(h){h.removeAttribute("aria-sort");});
   th.setAttribute("aria-sort",asc?"ascending":"descending");
   var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
   rows.sort(function(a,b){var c=cmp(key(a.cells[i]),key(b.cells[i]));return asc?c:-c;});
   each(rows,function(r){body.appendChild(r);});
  }
  th.addEventListener("click",sort);
  th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();sort();}});
 });
});
each(document.querySelectorAll("input[data-filter]"),function(inp){
 inp.hidden=false;
 var t=document.getElementById(inp.getAttribute("data-filter"));
 inp.addEventListener("input",function(){
  var q=inp.value.trim().toLowerCase();
  each(t.tBodies[0].rows,function(r){r.hidden=q!==""&&r.textContent.toLowerCase().indexOf(q)<0;});
 });
});
var closed=[];
window.addEventListener("beforeprint",function(){closed=[];each(document.querySelectorAll("details:not([open])"),function(d){closed.push(d);d.open=true;});});
window.addEventListener("afterprint",function(){each(closed,function(d){d.open=false;});closed=[];});
var m=document.getElementById("matrix-table"),fr=document.getElementById("matrix-repos"),fp=document.getElementById("matrix-people");
if(m&&fr&&fp){
 fr.hidden=false;fp.hidden=false;
 var filter=function(){
  var qr=fr.value.trim().toLowerCase(),qp=fp.value.trim().toLowerCase(),heads=m.tHead.rows[0].cells,show=[];
  for(var i=1;i<heads.length;i++){show[i]=heads[i].textContent.toLowerCase().indexOf(qp)>=0;heads[i].hidden=!show[i];}
  each(m.tBodies[0].rows,function(r){
   r.hidden=r.cells[0].textContent.toLowerCase().indexOf(qr)<0;
   for(var j=1;j<r.cells.length;j++){r.cells[j].hidden=!show[j];}
  });
 };
 fr.addEventListener("input",filter);fp.addEventListener("input",filter);
}
})();`

func cspHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

// The policy allows nothing but the page's own style and script: no
// fetch, image, font, frame or form can leave the file.
var csp = "default-src 'none'; style-src " + cspHash(css) + "; script-src " + cspHash(js) + "; img-src 'none'; base-uri 'none'; form-action 'none'"

var htmlTemplate = template.Must(template.New("audit").Funcs(template.FuncMap{
	"sevClass": func(s audit.Severity) string { return "sev sev-" + s.String() },
	"roleSort": func(r role.Role) int { return int(r) },
	"cell":     func(r role.Role) string { return "r-" + r.String() },
	"letter":   letter,
	"join":     strings.Join,
	"day":      day,
	"stamp":    stamp,
	"short":    short,
	"safeURL": func(u string) string {
		if strings.HasPrefix(u, "https://") {
			return u
		}
		return ""
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>permsync audit — {{.Orgs}} — {{stamp .R.GeneratedAt}}</title>
<style>` + css + `</style>
</head>
<body>
<header>
<h1>permsync audit</h1>
<div class="muted">Generated {{stamp .R.GeneratedAt}} from <code>{{.R.Dir}}</code> for {{.Orgs}}. Format version {{.R.FormatVersion}}.</div>
</header>
<nav class="noprint"><a href="#summary">Summary</a><a href="#matrix">Matrix</a><a href="#findings">Findings</a><a href="#nocla">Without CLA</a><a href="#owners">Owners</a><a href="#repositories">Repositories</a><a href="#people">People</a><a href="#nonhuman">Apps and keys</a><a href="#history">History</a><a href="#changes">Changes</a><a href="#self">Self-check</a><a href="#details">Details</a></nav>

<section id="summary">
<h2>Summary</h2>
<table>
<tbody>
{{range .Summary}}<tr><th>{{.K}}</th><td>{{if .Bad}}<span class="bad">{{.V}}</span>{{else}}{{.V}}{{end}}</td></tr>
{{end}}</tbody>
</table>
</section>

<details class="section" id="matrix" open>
<summary>Role matrix</summary>
<p class="muted">{{.R.Matrix.Selection}} Hover a cell for where each role comes from.</p>
<p class="legend"><span class="r-admin">A admin</span><span class="r-maintain">M maintain</span><span class="r-write">W write</span><span class="r-triage">T triage</span><span class="r-read">R read</span><span class="r-admin undecl">A!</span> no file declares it (made by hand)</p>
<input class="filter" id="matrix-repos" type="search" placeholder="Filter repositories" aria-label="Filter repositories" hidden><input class="filter" id="matrix-people" type="search" placeholder="Filter people" aria-label="Filter people" hidden>
<div class="matrix-wrap">
<table class="matrix sortable" id="matrix-table">
<thead><tr><th class="repo corner">Repository</th>{{range .R.Matrix.People}}<th class="person" scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Matrix}}<tr><th class="repo" scope="row">{{.Repo}}</th>{{range .Cells}}<td class="{{cell .Role}}{{if .Undeclared}} undecl{{end}}" data-sort="{{roleSort .Role}}" title="{{.Title}}">{{letter .Role}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>
</details>

<details class="section" id="findings" open>
<summary>Findings ({{len .R.Findings}}) <span class="muted">{{.FindingCounts}}</span></summary>
<input class="filter" type="search" placeholder="Filter findings" aria-label="Filter findings" data-filter="findings-table" hidden>
{{if .Findings}}<table class="sortable fit" id="findings-table">
<colgroup><col class="c-sev"><col class="c-rule"><col class="c-where"><col><col></colgroup>
<thead><tr><th>Severity</th><th>Rule</th><th>Where</th><th>Finding</th><th>Fix</th></tr></thead>
<tbody>
{{range .Findings}}<tr><td data-sort="{{.F.Severity | printf "%d"}}"><span class="{{sevClass .F.Severity}}">{{.F.Severity}}</span></td><td><code>{{.F.Rule}}</code></td><td{{if .All}} title="{{.All}}"{{end}}><code>{{.Where}}</code>{{if .More}} <span class="more">{{.More}}</span>{{end}}{{if .F.Subject}}<br><code>{{.F.Subject}}</code>{{end}}</td><td>{{.Message}}{{if .F.Source}} <span class="muted">(<code>{{.F.Source}}</code>)</span>{{end}}</td><td>{{.Fix}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p>No findings.</p>{{end}}
</details>

<details class="section" id="nocla"{{if le (len .R.NoCLA) 30}} open{{end}}>
<summary>Repositories that do not require the CLA check ({{len .R.NoCLA}})</summary>
<p class="muted">A CLA check counts where nobody below an org owner can skip it: branch protection, or a ruleset with no other bypass actor (a bypass list the credentials cannot read counts as bypassable).</p>
{{if .R.NoCLA}}<ul>{{range .R.NoCLA}}<li><code>{{.}}</code></li>{{end}}</ul>{{else}}<p>Every repository requires a CLA check on its default branch (archived ones left out).</p>{{end}}
</details>

<section id="owners">
<h2>Org owners</h2>
<p class="muted">Owners are admin on every repository and can change every setting.</p>
<table class="sortable"><thead><tr><th>Org</th><th>Owner</th><th>Expected</th></tr></thead><tbody>
{{range .Owners}}<tr><td><code>{{.Org}}</code></td><td><code>{{.Login}}</code></td><td>{{if .Expected}}<span class="good">yes</span>{{else}}<span class="bad">no: not in expected_owners</span>{{end}}</td></tr>
{{end}}</tbody></table>
{{range .Apps}}<p>{{.}}</p>{{end}}
</section>

<details class="section" id="repositories"{{if le (len .Repos) 15}} open{{end}}>
<summary>Who administers each repository ({{len .Repos}})</summary>
<p class="muted">Who administers and maintains each repository, and why. Org owners are admin everywhere and are not repeated here. <span class="undecl">Marked red</span>: no file declares it (made by hand on GitHub).</p>
<input class="filter" type="search" placeholder="Filter repositories or people" aria-label="Filter repositories" data-filter="repos-table" hidden>
<table class="sortable fit" id="repos-table">
<colgroup><col class="c-repo"><col class="c-state"><col><col><col class="c-num"><col><col class="c-cla"><col><col class="c-num"><col class="c-num"></colgroup>
<thead><tr><th>Repository</th><th>State</th><th>Admin</th><th>Maintain</th><th>Write</th><th>Default branch</th><th>CLA</th><th>Required checks</th><th>Admins (max)</th><th>Findings</th></tr></thead>
<tbody>
{{range .Repos}}<tr><td><a href="#{{.Anchor}}"><code>{{.Full}}</code></a></td><td>{{.State}}</td><td>{{template "holders" .Admin}}</td><td>{{template "holders" .Maintain}}</td><td data-sort="{{.Writers}}">{{.Writers}}</td><td>{{.Protection}}</td><td>{{if .CLAKnown}}{{if .CLA}}<span class="good">yes</span>{{else}}<span class="bad">no</span>{{end}}{{else}}—{{end}}</td><td><ul class="plain">{{range .Checks}}<li>{{.}}</li>{{end}}</ul></td><td data-sort="{{.AdminCount}}">{{.AdminCount}} ({{.AdminMax}}){{if .OverMax}} <span class="bad">over</span>{{end}}</td><td data-sort="{{.Findings}}">{{.Findings}}</td></tr>
{{end}}</tbody>
</table>
</details>

<details class="section" id="people"{{if le (len .People) 10}} open{{end}}>
<summary>What each person can do ({{len .People}})</summary>
<p class="muted">What each person can administer, maintain and write, from every source (direct, teams, invitations, ownership, base role). Members also hold the org base role everywhere.</p>
<input class="filter" type="search" placeholder="Filter people or repositories" aria-label="Filter people" data-filter="people-table" hidden>
<table class="sortable fit" id="people-table">
<thead><tr><th>Org</th><th>Person</th><th>Kind</th><th>Teams</th><th>Admin</th><th>Maintain</th><th>Write</th><th>Triage / read beyond the base role</th></tr></thead>
<tbody>
{{range .People}}<tr><td><code>{{.Org}}</code></td><td><code>{{.Login}}</code></td><td>{{.Kind}}</td><td>{{join .Teams ", "}}</td><td data-sort="{{.AdminN}}">{{.Admin}}</td><td data-sort="{{len .Maintain}}">{{join .Maintain ", "}}</td><td data-sort="{{len .Write}}">{{join .Write ", "}}</td><td>{{join .Other ", "}}</td></tr>
{{end}}</tbody>
</table>
</details>
{{if .NonHuman}}
<details class="section" id="nonhuman"{{if le (len .NonHuman) 20}} open{{end}}>
<summary>Apps and deploy keys ({{len .NonHuman}})</summary>
<p class="muted">Non-human access beside the people: each App installed on the org and each deploy key, with what it reaches.</p>
<table class="sortable fit" id="nonhuman-table">
<thead><tr><th>Org</th><th>Kind</th><th>Name</th><th>Reaches</th><th>Access</th><th>Flag</th></tr></thead>
<tbody>
{{range .NonHuman}}<tr><td><code>{{.Org}}</code></td><td>{{.Kind}}</td><td><code>{{.Name}}</code></td><td>{{.Reach}}</td><td>{{.Access}}</td><td>{{if .Flag}}<span class="bad">{{.Flag}}</span>{{end}}</td></tr>
{{end}}</tbody>
</table>
</details>
{{end}}
<details class="section" id="history"{{if le (len .R.History.Entries) 20}} open{{end}}>
<summary>Rights changes in the files{{if .R.History.Available}} since {{day .R.History.Since}} ({{len .R.History.Entries}}){{end}}</summary>
{{if not .R.History.Available}}<p>{{.R.History.Note}}</p>{{else}}
<p class="muted">Each commit that changed <code>{{.R.Dir}}</code> on the branch checked out (first parent), with what it changed and the pull request it came from. Pull request lookup: {{.R.History.PRLookup}}.</p>
{{range .R.History.Warnings}}<p class="bad">{{.}}</p>{{end}}
{{if .R.History.Entries}}<table class="sortable fit"><colgroup><col class="c-date"><col class="c-commit"><col class="c-who"><col><col><col><col class="c-who"></colgroup><thead><tr><th>Date</th><th>Commit</th><th>Author(s)</th><th>Subject</th><th>What changed</th><th>Pull request</th><th>Approved by</th></tr></thead><tbody>
{{range .History}}<tr><td>{{day .E.Date}}</td><td><code>{{short .E.Commit}}</code></td><td>{{join .Authors ", "}}</td><td>{{.E.Subject}}</td><td><ul class="plain">{{range .Changes}}<li>{{.}}</li>{{else}}<li class="muted">no rights changed</li>{{end}}{{if .E.LoadNote}}<li class="muted">{{.E.LoadNote}}</li>{{end}}</ul></td><td>{{with .E.PR}}{{if safeURL .URL}}<a href="{{safeURL .URL}}">#{{.Number}}</a>{{else}}#{{.Number}}{{end}} {{.Title}}{{else}}<span class="muted">{{.E.PRNote}}</span>{{end}}</td><td>{{with .E.PR}}{{if .ReviewsNote}}{{.ReviewsNote}}{{else if .Approvers}}{{join .Approvers ", "}}{{else}}<span class="bad">none</span>{{end}}{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p>No commit changed the files in the window.</p>{{end}}{{end}}
</details>

<details class="section" id="changes"{{if le (len .R.Compare.Changes) 30}} open{{end}}>
<summary>Changed on GitHub since the snapshot</summary>
{{if not .R.Compare.Available}}<p>{{.R.Compare.Note}}</p>{{else}}
<p class="muted">Snapshot taken {{stamp .R.Compare.SnapshotAt}}. A change no file explains was made outside the files' history.</p>
{{if .R.Compare.Changes}}<table class="sortable fit"><thead><tr><th>Org</th><th>Repository</th><th>What</th><th>Change</th><th>Explained by</th></tr></thead><tbody>
{{range .R.Compare.Changes}}<tr><td><code>{{.Org}}</code></td><td><code>{{.Repo}}</code></td><td><code>{{.What}}</code></td><td>{{.Description}}</td><td>{{if .HandMade}}<span class="bad">nothing: made by hand</span>{{else}}{{.Explained}}{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p>Nothing changed.</p>{{end}}{{end}}
</details>

<section id="self">
<h2>Permissions repository self-check</h2>
{{with .R.SelfCheck}}{{if not .Checked}}<p>{{.Note}}</p>{{else}}
<p><code>{{.Repo}}</code>, branch <code>{{.Branch}}</code>: {{if .Passed}}<span class="good">passed</span>{{else}}<span class="bad">{{len .Problems}} problem(s)</span>{{end}}</p>
<dl class="facts"><dt>Protected</dt><dd>{{.Protected}}</dd><dt>Code-owner review required</dt><dd>{{.CodeOwnerReviews}}</dd><dt>enforce_admins</dt><dd>{{.EnforceAdmins}}</dd><dt>Required approving reviews</dt><dd>{{.Reviews}}</dd><dt>Bypass</dt><dd>{{if .Bypass}}<span class="bad">{{join .Bypass "; "}}</span>{{else}}none{{end}}</dd></dl>
{{if .Problems}}<ul>{{range .Problems}}<li class="bad">{{.}}</li>{{end}}</ul>{{end}}{{end}}{{end}}
</section>

{{if .R.Notes}}<section id="notes"><h2>Notes</h2><ul>{{range .R.Notes}}<li>{{.}}</li>{{end}}</ul></section>{{end}}

<details class="section" id="details"{{if le (len .Repos) 3}} open{{end}}>
<summary>Repositories in detail ({{len .Repos}})</summary>
{{range .Repos}}<details class="repo" id="{{.Anchor}}"{{if .UndeclaredAdmins}} open{{end}}>
<summary><code>{{.Full}}</code> <span class="muted">{{.State}}</span>{{if .UndeclaredAdmins}} <span class="bad">{{.UndeclaredAdmins}}</span>{{end}}</summary>
<dl class="facts">
{{if .R.File}}<dt>File</dt><dd><code>{{.R.File}}</code></dd>{{end}}
{{if .R.ReadError}}<dt>Read error</dt><dd class="bad">{{.R.ReadError}}</dd>{{end}}
<dt>Default branch</dt><dd>{{.Protection}}</dd>
{{range .R.RequiredChecks}}<dt>{{.Context}}</dt><dd>{{$.CheckText .}}</dd>{{end}}
<dt>Admins counted</dt><dd>{{.R.Admins.ForMax}} for max_admins ({{.R.Admins.Max}}), {{.R.Admins.ForMin}} for min_admins ({{.R.Admins.Min}}){{if .R.Admins.People}}: {{join .R.Admins.People ", "}}{{end}}</dd>
{{if .BaseLine}}<dt>Base role</dt><dd>{{.BaseLine}}</dd>{{end}}
{{range .R.Rulesets}}<dt>Ruleset {{.Name}}</dt><dd>{{.Source}}, {{.Enforcement}}{{if .AppliesToDefault}}, applies to the default branch{{end}}; bypass: {{if or .Bypass (not .BypassRead)}}<span class="bad">{{$.BypassText .}}</span>{{else}}nobody{{end}}</dd>{{end}}
{{range .R.DeployKeys}}<dt>Deploy key</dt><dd>{{.Title}}: {{if .ReadOnly}}read-only{{else}}<span class="bad">read-write</span>{{end}}</dd>{{end}}
{{range .R.Invitations}}{{if .Expired}}<dt>Expired invitation</dt><dd>{{.Login}} as {{.Role}}, sent {{day .CreatedAt}}</dd>{{end}}{{end}}
{{range .R.Drift}}<dt>Drift</dt><dd>{{.Description}}{{if .Refused}} <span class="bad">(refused)</span>{{end}}</dd>{{end}}
{{range .R.Errors}}<dt>Error</dt><dd class="bad">{{.}}</dd>{{end}}
{{range .R.Notices}}<dt>Notice</dt><dd>{{.}}</dd>{{end}}
</dl>
{{if .R.Access}}<table class="sortable fit"><thead><tr><th>Person</th><th>Role</th><th>Through</th><th>Declared in the files</th><th>Last change in the window</th></tr></thead><tbody>
{{range .Access}}<tr><td><code>{{.Login}}</code>{{if .Outside}}<span class="tag tag-outside">outside</span>{{end}}{{if .Pending}}<span class="tag">pending</span>{{end}}{{if .Undeclared}}<span class="tag undecl">no file declares it</span>{{end}}</td><td data-sort="{{roleSort .Role}}">{{.Role}}</td><td><ul class="plain">{{range .Through}}<li>{{.}}</li>{{end}}</ul></td><td>{{range .Declared}}<code>{{.}}</code> {{end}}</td><td>{{join .Trace "; "}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .R.Teams}}<table><thead><tr><th>Team</th><th>Role</th><th>Members</th></tr></thead><tbody>
{{range .R.Teams}}<tr><td><code>{{.Slug}}</code></td><td>{{.Role}}</td><td>{{join .Members ", "}}</td></tr>
{{end}}</tbody></table>{{end}}
</details>
{{end}}
</details>
<script>` + js + `</script>
</body>
</html>
{{define "holders"}}<ul class="plain">{{range .}}<li><code{{if .Undeclared}} class="undecl"{{end}}>{{.Login}}</code>{{if .Outside}}<span class="tag tag-outside">outside</span>{{end}}{{if .Pending}}<span class="tag">pending</span>{{end}}{{if .Undeclared}}<span class="tag undecl">no file declares it</span>{{end}} <span class="muted">{{.Why}}</span></li>{{end}}</ul>{{end}}
`))

// view is what the template draws: the report, with per-row strings
// prepared here so that the template stays simple.
type view struct {
	R             *audit.Report
	CSP           string
	Orgs          string
	FindingCounts string
	Findings      []hFinding
	History       []hHistory
	Summary       []kv
	Owners        []hOwner
	Apps          []string
	Repos         []hRepo
	People        []hPerson
	NonHuman      []nonHumanLine
	Matrix        []hRow
}

type kv struct {
	K, V string
	Bad  bool
}

type hOwner struct {
	Org, Login string
	Expected   bool
}

type hHolder struct {
	Login, Why                   string
	Outside, Pending, Undeclared bool
}

// hFinding is a finding as the table shows it: where (the first few
// repositories, the rest counted and in the tooltip), message and fix with
// their code spans drawn as code.
type hFinding struct {
	F            audit.Finding
	Where        string
	More, All    string
	Message, Fix template.HTML
}

// hHistory is one commit of the history, its changes condensed.
type hHistory struct {
	E       history.Entry
	Authors []string
	Changes []string
}

type hRepo struct {
	R                   *audit.Repo
	Full, Anchor, State string
	Admin, Maintain     []hHolder
	Writers             int
	Protection          string
	CLA, CLAKnown       bool
	Checks              []string
	AdminCount          int
	AdminMax            int
	OverMax             bool
	Findings            int
	BaseLine            string
	Access              []hAccess
	UndeclaredAdmins    string
}

type hAccess struct {
	Login                        string
	Role                         role.Role
	Outside, Pending, Undeclared bool
	Through                      []string
	Declared                     []string
	Trace                        []string
}

type hPerson struct {
	Org, Login, Kind string
	Teams            []string
	Admin            string
	AdminN           int
	Maintain, Write  []string
	Other            []string
}

type hRow struct {
	Repo  string
	Cells []hCell
}

type hCell struct {
	Role       role.Role
	Title      string
	Undeclared bool
}

// CheckText is checkText for the template.
func (v *view) CheckText(c audit.CheckStatus) string { return checkText(c) }

// BypassText is audit.BypassText for the template.
func (v *view) BypassText(rs audit.Ruleset) string { return bypassOr(rs) }

func newView(r *audit.Report) *view {
	v := &view{R: r, CSP: csp, FindingCounts: FindingCounts(r), Summary: summaryRows(r), NonHuman: nonHumanLines(r)}
	var orgs []string
	for _, o := range r.Orgs {
		orgs = append(orgs, o.Name+" ("+string(o.Mode)+")")
	}
	v.Orgs = strings.Join(orgs, ", ")
	for _, f := range r.Findings {
		v.Findings = append(v.Findings, findingRow(f))
	}
	if r.History != nil {
		for _, e := range r.History.Entries {
			v.History = append(v.History, hHistory{E: e, Authors: authorsOf(e), Changes: e.Lines()})
		}
	}
	findingsOf := map[string]int{}
	for _, f := range r.Findings {
		findingsOf[strings.ToLower(f.Where())]++
	}
	for _, o := range r.Orgs {
		for _, ow := range o.Owners {
			v.Owners = append(v.Owners, hOwner{Org: o.Name, Login: ow.Login, Expected: ow.Expected})
		}
		v.Apps = append(v.Apps, orgNotes(o)...)
		for _, rep := range o.Repos {
			v.Repos = append(v.Repos, repoRow(rep, len(v.Repos)+1, findingsOf[strings.ToLower(rep.FullName())]))
		}
		for _, p := range o.People {
			v.People = append(v.People, personRow(o, p))
		}
	}
	v.Matrix = matrixRows(r)
	return v
}

// findingRow is a finding as the findings table shows it: a grouped one
// names its first repositories, and all of them on hover.
func findingRow(f audit.Finding) hFinding {
	hf := hFinding{F: f, Where: f.Where(), Message: richHTML(f.Message), Fix: richHTML(f.Fix)}
	if len(f.Repos) > 1 {
		shown := f.Repos
		if len(shown) > findingRepos {
			shown = shown[:findingRepos]
			hf.More = fmt.Sprintf("and %d more", len(f.Repos)-findingRepos)
		}
		hf.Where = f.Org + ": " + strings.Join(shown, ", ")
		hf.All = words.Plural(len(f.Repos), "repository") + ": " + strings.Join(f.Repos, ", ")
	}
	return hf
}

// summaryRows is the summary table.
func summaryRows(r *audit.Report) []kv {
	s := r.Summary
	rows := []kv{
		{K: "Findings", V: FindingCounts(r), Bad: s.Findings["critical"]+s.Findings["high"] > 0},
		{K: "Repositories", V: fmt.Sprintf("%d: %d managed, %d unmanaged, %d archived, %d ignored", s.Repositories, s.Managed, s.Unmanaged, s.Archived, s.Ignored)},
		{K: "People", V: fmt.Sprintf("%d, of whom %d outside collaborators with access", s.People, s.OutsideCollaborators)},
		{K: "Without the CLA check", V: words.Plural(len(r.NoCLA), "repository"), Bad: len(r.NoCLA) > 0},
		{K: "Drift", V: fmt.Sprintf("%s pending in %s; %s", words.Plural(s.DriftChanges, "change"), words.Plural(s.DriftRepositories, "repository"), words.Plural(s.Refusals, "refusal")), Bad: s.DriftChanges > 0},
	}
	if h := r.History; h != nil && h.Available {
		rows = append(rows, kv{K: "Rights changes since " + day(h.Since), V: words.Plural(s.HistoryCommits, "commit") + " (pull request lookup: " + h.PRLookup + ")"})
	} else if h != nil {
		rows = append(rows, kv{K: "Rights changes", V: h.Note})
	}
	if r.Compare.Available {
		rows = append(rows, kv{K: "Changed on GitHub since " + stamp(r.Compare.SnapshotAt), V: fmt.Sprintf("%s, %d made by hand", words.Plural(len(r.Compare.Changes), "change"), s.HandMadeChanges), Bad: s.HandMadeChanges > 0})
	} else {
		rows = append(rows, kv{K: "Changed on GitHub since a snapshot", V: r.Compare.Note})
	}
	sc := r.SelfCheck
	switch {
	case !sc.Checked:
		rows = append(rows, kv{K: "Permissions repository", V: sc.Note})
	case sc.Passed:
		rows = append(rows, kv{K: "Permissions repository", V: sc.Repo + ": passed"})
	default:
		rows = append(rows, kv{K: "Permissions repository", V: sc.Repo + ": " + strings.Join(sc.Problems, "; "), Bad: true})
	}
	return rows
}

// orgNotes are the lines under the owners: Apps with Administration write,
// and an org that could not be read.
func orgNotes(o *audit.Org) []string {
	var out []string
	if o.Apps != nil {
		var admin []string
		for _, a := range o.Apps {
			if a.AdministrationWrite {
				admin = append(admin, a.Slug)
			}
		}
		if len(admin) > 0 {
			out = append(out, fmt.Sprintf("Apps with Administration: write on %s (another road to admin): %s.", o.Name, strings.Join(admin, ", ")))
		}
	}
	if o.ReadError != "" {
		out = append(out, fmt.Sprintf("%s could not be read: %s", o.Name, o.ReadError))
	}
	return out
}

// repoRow is the n-th repository of the report, with its count of findings.
func repoRow(rep *audit.Repo, n, findings int) hRepo {
	hr := hRepo{R: rep, Full: rep.FullName(), Anchor: anchor(n, rep.FullName()), State: repoState(rep),
		Protection: protectionText(rep), CLA: rep.CLARequired, CLAKnown: !rep.Archived && rep.ReadError == "" && rep.DefaultBranch != "",
		AdminCount: rep.Admins.ForMax, AdminMax: rep.Admins.Max, OverMax: rep.Admins.OverMax, Findings: findings}
	for _, c := range rep.RequiredChecks {
		hr.Checks = append(hr.Checks, checkShort(c))
	}
	var undeclared []string
	for _, a := range rep.Access {
		if a.Role == role.Admin && a.Undeclared && !onlyOwner(a) {
			undeclared = append(undeclared, a.Login)
		}
		switch {
		case a.Role == role.Admin && !onlyOwner(a):
			hr.Admin = append(hr.Admin, holder(a))
		case a.Role == role.Maintain:
			hr.Maintain = append(hr.Maintain, holder(a))
		case a.Role == role.Write:
			hr.Writers++
		}
		hr.Access = append(hr.Access, accessRow(a))
	}
	if len(undeclared) > 0 && rep.Managed {
		hr.UndeclaredAdmins = "admin no file declares: " + strings.Join(undeclared, ", ")
	}
	if rep.BaseRole != role.None && rep.BaseMembers > 0 {
		hr.BaseLine = fmt.Sprintf("%s for every org member (%d besides the owners)", rep.BaseRole, rep.BaseMembers)
	}
	return hr
}

// accessRow is one person's line in a repository's access table.
func accessRow(a audit.Access) hAccess {
	ha := hAccess{Login: a.Login, Role: a.Role, Outside: a.Outside, Pending: a.Pending, Undeclared: a.Undeclared}
	ha.Through, ha.Declared, ha.Trace = sourceColumns(a, asIs, asIs)
	return ha
}

// personRow is one person's line in the people table.
func personRow(o *audit.Org, p *audit.Person) hPerson {
	hp := hPerson{Org: o.Name, Login: p.Login, Teams: p.Teams, Admin: strings.Join(p.Admin, ", "), AdminN: len(p.Admin),
		Maintain: p.Maintain, Write: p.Write}
	switch {
	case p.Owner && p.ExpectedOwner:
		hp.Kind = "owner (expected)"
	case p.Owner:
		hp.Kind = "owner (not expected)"
	case p.Outside:
		hp.Kind = "outside collaborator"
	default:
		hp.Kind = "member"
	}
	if p.Owner {
		hp.Admin = fmt.Sprintf("every repository (%d, org owner)", len(p.Admin))
	}
	for _, a := range p.Access {
		if a.Role < role.Write {
			hp.Other = append(hp.Other, a.Repo+" ("+a.Role.String()+")")
		}
	}
	return hp
}

// matrixRows is the matrix, each cell titled with where the role comes from.
func matrixRows(r *audit.Report) []hRow {
	access := map[string]map[string]audit.Access{} // org/repo → login → access
	for _, o := range r.Orgs {
		for _, rep := range o.Repos {
			m := map[string]audit.Access{}
			for _, a := range rep.Access {
				m[strings.ToLower(a.Login)] = a
			}
			access[strings.ToLower(rep.FullName())] = m
		}
	}
	var out []hRow
	for _, row := range r.Matrix.Rows {
		hr := hRow{Repo: row.Repo}
		for i, rl := range row.Roles {
			c := hCell{Role: rl, Title: r.Matrix.People[i] + " on " + row.Repo + ": " + rl.String()}
			if i < len(row.Undeclared) {
				c.Undeclared = row.Undeclared[i]
			}
			if a, ok := access[strings.ToLower(row.Repo)][strings.ToLower(r.Matrix.People[i])]; ok {
				c.Title += "\n" + strings.Join(sourceLines(a), "\n")
				if c.Undeclared {
					c.Title += "\nNo file declares it: made by hand on GitHub (or the repository has no file)."
				}
			} else if rl != role.None {
				c.Title += " (org base role)"
			}
			hr.Cells = append(hr.Cells, c)
		}
		out = append(out, hr)
	}
	return out
}

// findingRepos is how many of a finding's repositories the tables show.
const findingRepos = 3

// sourceLines says where each of a person's roles comes from, and where a
// file declares it.
func sourceLines(a audit.Access) []string {
	var out []string
	for _, s := range a.Sources {
		l := "• " + sourceText(s)
		switch {
		case s.Declared != "":
			l += ", declared at " + s.Declared
		case s.Kind == audit.SourceDirect || s.Kind == audit.SourceInvitation || s.Kind == audit.SourceTeam:
			l += ", in no file"
		}
		out = append(out, l)
	}
	return out
}

// authorsOf names who wrote a change: the authors git records, and the
// pull request's author (a GitHub login) when they are not among them.
func authorsOf(e history.Entry) []string {
	out := append([]string{}, e.Authors...)
	if len(out) == 0 {
		out = append(out, e.AuthorName)
	}
	if e.PR != nil && e.PR.Author != "" {
		out = append(out, "pull request by "+e.PR.Author)
	}
	if e.MergedBy != "" {
		out = append(out, "merged by "+e.MergedBy)
	}
	return out
}

// richHTML escapes a message permsync wrote and draws its `code spans` as
// code (an odd backtick stays a backtick).
func richHTML(s string) template.HTML {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		return template.HTML(template.HTMLEscapeString(s))
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(p) + "</code>")
		} else {
			b.WriteString(template.HTMLEscapeString(p))
		}
	}
	return template.HTML(b.String())
}

func holder(a audit.Access) hHolder {
	return hHolder{Login: a.Login, Why: strings.Join(whyHeld(a), "; "), Outside: a.Outside, Pending: a.Pending, Undeclared: a.Undeclared}
}

// anchor is an element id for a repository: unique, and plain.
func anchor(n int, name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return fmt.Sprintf("repo-%d-%s", n, b.String())
}

// checkShort is a floor check's state in a few words, for the table (the
// repository's detail has checkText).
func checkShort(c audit.CheckStatus) string {
	switch {
	case !c.Required:
		return c.Context + ": not required"
	case !c.Covered:
		return c.Context + ": only by a ruleset that can be skipped"
	case c.WrongApp:
		return c.Context + ": from the wrong App"
	case c.Spoofable:
		return c.Context + ": from any source"
	}
	return c.Context + ": pinned"
}
