-- pg_centroid 0.1.0 -> 0.2.0. Filled in by build.mjs: the line @FUNCTIONS@ becomes every function of
-- sql/*.sql as CREATE OR REPLACE (JavaScript bodies change with every build). Write here by hand
-- what that cannot do: new tables, columns, triggers, policies; changed signatures; removed objects.
-- test/db/reliability-upgrade.test.ts compares the result with a fresh install.

\echo Use "ALTER EXTENSION pg_centroid UPDATE" to load this file. \quit

ALTER TABLE centroid.state ADD COLUMN IF NOT EXISTS standardization jsonb;

-- sql/30_batch.sql: the model registry (its policy needs centroid._member_of, created below).
CREATE TABLE centroid.models (
  model text NOT NULL,
  version int4 NOT NULL,
  source text NOT NULL,
  config jsonb NOT NULL,
  centroids float8[] NOT NULL,
  standardization jsonb,
  cost float8 NOT NULL,
  iterations int4,
  metrics jsonb,
  rows_used int8 NOT NULL,
  rows_skipped int8 NOT NULL DEFAULT 0,
  duration_ms float8,
  owner name NOT NULL DEFAULT current_user,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  PRIMARY KEY (model, version),
  CHECK (version > 0)
);
COMMENT ON TABLE centroid.models IS
  'pg_centroid: model registry of centroid.fit: one row per version (config, centroids in original units, standardization, cost, metrics, rows, duration)';
SELECT pg_catalog.pg_extension_config_dump('centroid.models', '');

CREATE OR REPLACE FUNCTION centroid._define_js(head text, options text, body text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  lang text;
BEGIN
  SELECT lanname INTO lang FROM pg_catalog.pg_language
   WHERE lanname IN ('pljs', 'plv8') ORDER BY lanname = 'pljs' DESC LIMIT 1;
  IF lang IS NULL THEN
    RAISE EXCEPTION 'pg_centroid needs the JavaScript language pljs (or plv8), which is not installed in this database'
      USING HINT = 'run CREATE EXTENSION pljs; then CREATE EXTENSION pg_centroid;';
  END IF;
  EXECUTE head || ' LANGUAGE ' || pg_catalog.quote_ident(lang) || ' ' || options || ' AS ' || pg_catalog.quote_literal(body);
END $$;
CREATE OR REPLACE FUNCTION centroid._raise(result jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF result ? 'error' THEN
    RAISE EXCEPTION USING
      MESSAGE = result->'error'->>'message',
      DETAIL = coalesce(result->'error'->>'detail', ''),
      HINT = coalesce(result->'error'->>'hint', ''),
      ERRCODE = coalesce(nullif(result->'error'->>'code', ''), '22023');
  END IF;
END $$;
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._load() RETURNS void$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$
"use strict";(()=>{var k=class extends Error{constructor(n,o,s){super(o);this.key=n;this.hint=s;this.name="SettingsError"}},vt=[{key:"key_column",default:"(required)",range:"a column of the table",meaning:"column that identifies a row; changed labels are written back by it"},{key:"clustering_columns",default:"(required)",range:"1 to 1000 distinct numeric columns",meaning:"the features clustered on"},{key:"clustering_algorithm",default:"k-means",range:"k-means, k-means++, k-medoids, k-medians",meaning:"k-means++ is k-means with k-means++ starts"},{key:"center_choice",default:"k-means++",range:"random, k-means++, manual",meaning:"how the first clustering starts; later ones start from the stored centroids"},{key:"cluster_count",default:"(required)",range:"1 to 1000",meaning:"k, the number of clusters"},{key:"starting_centers",default:"none",range:"cluster_count points of len(clustering_columns) finite numbers",meaning:"the first centers, for center_choice manual only"},{key:"distance_type",default:"euclidean",range:"euclidean (or the paper's euclidian), manhattan",meaning:"distance between rows and centers"},{key:"cluster_number_column",default:"(required on insert)",range:"an integer column of the table",meaning:"receives each row's cluster number, 0 to cluster_count - 1"},{key:"maximum_data_count",default:"100000",range:"minimum_data_count to 10000000",meaning:"the window: at most this many most recent rows are clustered"},{key:"minimum_data_count",default:"10 x cluster_count (at most maximum_data_count)",range:"cluster_count to maximum_data_count",meaning:"below this many valid rows nothing is clustered; inserts still succeed"},{key:"seed",default:"42",range:"integer 0 to 2147483647",meaning:"seed of every random choice: same seed, same clusters"},{key:"starts",default:"10 for random, 1 for k-means++ and manual",range:"1 to 100",meaning:"starts tried on a first clustering; the lowest cost wins"},{key:"max_iterations",default:"100",range:"1 to 10000",meaning:"iteration limit of one clustering"},{key:"tolerance",default:"0.0001",range:"0 to 1",meaning:"relative to the data's mean variance, as scikit-learn: k-means stops when the squared distances its centers moved in one iteration sum to at most tolerance x the mean per-column variance (0: only when no label changes)"},{key:"refit",default:"statement",range:"statement, row, online",meaning:"when the window is re-clustered: once per INSERT/COPY, on every row (the paper), or never in the insert path"},{key:"invalid_rows",default:"skip",range:"skip, error",meaning:"rows with NULL, NaN or infinite features: kept with a NULL cluster number, or refused"},{key:"decay",default:"1",range:"greater than 0 to 1",meaning:"online policy: weight kept by past rows at each new row (1 = no forgetting)"},{key:"time_column",default:"the hypertable's time dimension, else none",range:"a column of the table",meaning:"orders the window (most recent first); without one, the key orders it"},{key:"standardize",default:"none",range:"none, zscore",meaning:"z-score features with means and deviations frozen at fit time"},{key:"output_table",default:"the source",range:"a table",meaning:"centroid.fit: where cluster numbers are written"}],dn=["k-means","k-means++","k-medoids","k-medians"],gn=["random","k-means++","manual"],pn=["euclidean","euclidian","manhattan"],yn=["statement","row","online"],hn=["skip","error"],$n=["none","zscore"];function H(t,e="insert"){if(t===null||typeof t!="object"||Array.isArray(t))throw new k("config",`settings must be a JSON object, not ${j(t)}`,'write them as {"key_column": "id", "clustering_columns": ["v1"], "cluster_count": 3, ...}');let n=t;for(let p of Object.keys(n))if(!vt.some(h=>h.key===p)){let h=Zt(p,vt.map(A=>A.key));throw new k(p,`unknown setting "${p}"`,h?`did you mean "${h}"?`:`known settings: ${vt.map(A=>A.key).join(", ")}`)}let o=Nt(n,"key_column",!0),s=An(n),r=nt(n,"clustering_algorithm",dn,"k-means"),a=rt(n,"cluster_count",void 0,1,1e3),l=nt(n,"center_choice",gn,"k-means++"),u=nt(n,"distance_type",pn,"euclidean")==="manhattan"?"manhattan":"euclidean",m=Nt(n,"cluster_number_column",e==="insert"),b=rt(n,"maximum_data_count",1e5,1,1e7),d=rt(n,"minimum_data_count",Math.min(10*a,b),1,1e7);if(a>d)throw new k("minimum_data_count",`minimum_data_count (${d}) is less than cluster_count (${a})`,`set minimum_data_count to at least ${a}: k clusters need at least k rows`);if(d>b)throw new k("minimum_data_count",`minimum_data_count (${d}) is greater than maximum_data_count (${b})`,`set minimum_data_count <= maximum_data_count, e.g. {"minimum_data_count": ${Math.min(d,b)}, "maximum_data_count": ${Math.max(d,b)}}`);let f=l==="random"?10:1,g={key_column:o,clustering_columns:s,clustering_algorithm:r,center_choice:l,cluster_count:a,starting_centers:_n(n,l,a,s.length),distance_type:u,cluster_number_column:m,maximum_data_count:b,minimum_data_count:d,seed:rt(n,"seed",42,0,2147483647),starts:rt(n,"starts",f,1,100),max_iterations:rt(n,"max_iterations",100,1,1e4),tolerance:Qt(n,"tolerance",1e-4,0,1,!0),refit:nt(n,"refit",yn,"statement"),invalid_rows:nt(n,"invalid_rows",hn,"skip"),decay:Qt(n,"decay",1,0,1,!1),time_column:Nt(n,"time_column",!1),standardize:nt(n,"standardize",$n,"none"),output_table:wn(n,"output_table")};if(l==="manual"&&g.starts!==1&&n.starts!==void 0)throw new k("starts",`starts is ${g.starts} but center_choice is manual, which has one start`,'remove "starts" or choose center_choice random or k-means++');let y=[o,m].filter(p=>p!==null);for(let p of y)if(s.includes(p))throw new k(p===o?"key_column":"cluster_number_column",`column "${p}" is both a clustering column and the ${p===o?"key":"cluster number"} column`,`remove "${p}" from clustering_columns`);if(m!==null&&m===o)throw new k("cluster_number_column",`cluster_number_column "${m}" is also the key_column`,"use a separate integer column for cluster numbers");return g}function Nt(t,e,n){let o=t[e];if(o==null){if(n)throw new k(e,`${e} is missing`,`add "${e}": "<column name>"`);return null}if(typeof o!="string"||o.length===0||o.length>63)throw new k(e,`${e} must be a column name (text of 1 to 63 characters), not ${j(o)}`,`write "${e}": "<column name>"`);return o}function wn(t,e){let n=t[e];if(n==null)return null;if(typeof n!="string"||n.length===0)throw new k(e,`${e} must be a table name, not ${j(n)}`,`write "${e}": "schema.table"`);return n}function An(t){let e=t.clustering_columns;if(e==null)throw new k("clustering_columns","clustering_columns is missing",'add "clustering_columns": ["v1", "v2"] with the numeric columns to cluster on');if(typeof e=="string")throw new k("clustering_columns",`clustering_columns must be a list, not the text ${j(e)}`,`write "clustering_columns": [${JSON.stringify(e)}]`);if(!Array.isArray(e)||e.length===0||e.length>1e3)throw new k("clustering_columns",`clustering_columns must be a list of 1 to 1000 column names, not ${j(e)}`,'write "clustering_columns": ["v1", "v2"]');let n=new Set;for(let o of e){if(typeof o!="string"||o.length===0||o.length>63)throw new k("clustering_columns",`clustering_columns holds ${j(o)}, which is not a column name`,'list column names as text: ["v1", "v2"]');if(n.has(o))throw new k("clustering_columns",`clustering_columns lists "${o}" twice`,"list each column once");n.add(o)}return e}function nt(t,e,n,o){let s=t[e];if(s==null)return o;if(typeof s!="string"||!n.includes(s)){let r=typeof s=="string"?Zt(s,n):null;throw new k(e,`${e} must be one of ${n.join(", ")}, not ${j(s)}`,r?`did you mean "${r}"?`:`write "${e}": "${o}"`)}return s}function rt(t,e,n,o,s){let r=t[e];if(r==null){if(n===void 0)throw new k(e,`${e} is missing`,`add "${e}": <integer from ${o} to ${s}>`);return n}if(typeof r!="number"||!Number.isInteger(r))throw new k(e,`${e} must be an integer, not ${j(r)}`,`write "${e}": <integer from ${o} to ${s}>`);if(r<o||r>s)throw new k(e,`${e} is ${r}, outside ${o} to ${s}`,`set ${e} to an integer from ${o} to ${s}`);return r}function Qt(t,e,n,o,s,r){let a=t[e];if(a==null)return n;let i=`${r?"from":"greater than"} ${o} to ${s}`;if(typeof a!="number"||!Number.isFinite(a))throw new k(e,`${e} must be a number, not ${j(a)}`,`write "${e}": <number ${i}>`);if(a<o||!r&&a===o||a>s)throw new k(e,`${e} is ${a}, outside ${i}`,`set ${e} to a number ${i}`);return a}function _n(t,e,n,o){let s=t.starting_centers;if(e!=="manual"){if(s!=null)throw new k("starting_centers",`starting_centers is given but center_choice is ${e}`,'set "center_choice": "manual" to use them, or remove starting_centers');return null}if(s==null)throw new k("starting_centers","center_choice is manual but starting_centers is missing",`add "starting_centers": ${n} points of ${o} numbers, e.g. [${Array.from({length:Math.min(n,2)},()=>"["+Array(o).fill(0).join(", ")+"]").join(", ")}${n>2?", ...":""}]`);if(!Array.isArray(s)||s.length!==n)throw new k("starting_centers",`starting_centers must hold cluster_count (${n}) points, not ${Array.isArray(s)?s.length:j(s)}`,`give exactly ${n} points`);return s.forEach((r,a)=>{if(!Array.isArray(r)||r.length!==o)throw new k("starting_centers",`starting_centers[${a}] must have ${o} coordinates (one per clustering column), not ${Array.isArray(r)?r.length:j(r)}`,`give each point ${o} numbers, in the order of clustering_columns`);r.forEach((i,l)=>{if(typeof i!="number"||!Number.isFinite(i))throw new k("starting_centers",`starting_centers[${a}][${l}] must be a finite number, not ${j(i)}`,"use finite numbers only")})}),s}function Zt(t,e){let n=null,o=4;for(let s of e){let r=Sn(t.toLowerCase(),s.toLowerCase());r<o&&(o=r,n=s)}return n}function Sn(t,e){let n=Array.from({length:e.length+1},(o,s)=>s);for(let o=1;o<=t.length;o++){let s=[o];for(let r=1;r<=e.length;r++)s[r]=Math.min((n[r]??0)+1,(s[r-1]??0)+1,(n[r-1]??0)+(t[o-1]===e[r-1]?0:1));n=s}return n[e.length]??0}function j(t){let e=JSON.stringify(t);return e===void 0?String(t):e.length>60?e.slice(0,57)+"...":e}function T(t){if(typeof t!="string"||t.length===0)throw new Error(`invalid identifier: ${JSON.stringify(t)}`);if(t.includes("\0"))throw new Error("invalid identifier: contains a NUL character");return'"'+t.replace(/"/g,'""')+'"'}function te(t,e){return T(t)+"."+T(e)}function N(t){if(t.includes("\0"))throw new Error("invalid text value: contains a NUL character");return"'"+t.replace(/'/g,"''")+"'"}function q(t){return Number.isNaN(t)?"'NaN'::float8":t===1/0?"'Infinity'::float8":t===-1/0?"'-Infinity'::float8":t<0?`'${t}'::float8`:String(t)+"::float8"}function R(t){if(typeof t=="number"&&!Number.isSafeInteger(t))throw new Error(`not an integer: ${t}`);return t<0?`'${t.toString()}'::int8`:t.toString()+"::int8"}function ee(t){if(t==null)return"NULL";switch(typeof t){case"boolean":return t?"true":"false";case"number":return Number.isSafeInteger(t)?t<0?`(${t})`:String(t):q(t);case"bigint":return R(t);case"string":return N(t);default:return t instanceof Date?N(t.toISOString())+"::timestamptz":Array.isArray(t)?z(t,Fn(t)):N(JSON.stringify(t))+"::jsonb"}}function z(t,e){if(!/^[a-z_][a-z0-9_ ().,"]*$/i.test(e))throw new Error(`invalid type name: ${JSON.stringify(e)}`);let n=e==="int4"||e==="int8"||e==="float8"?En(t,e):null;if(n===null){let o=new Array(t.length);for(let s=0;s<t.length;s++)o[s]=ne(t[s],e);n=o.join(",")}return N("{"+n+"}")+"::"+e+"[]"}var xn=[Int8Array,Uint8Array,Uint8ClampedArray,Int16Array,Uint16Array,Int32Array,Uint32Array];function En(t,e){if(ArrayBuffer.isView(t))return xn.some(s=>t instanceof s)||e==="float8"&&(t instanceof Float64Array||t instanceof Float32Array)?t.join(","):null;let n=t.length,o=new Array(n);if(e==="float8")for(let s=0;s<n;s++){let r=t[s];if(typeof r=="number")o[s]=String(r);else if(r==null)o[s]="NULL";else return null}else for(let s=0;s<n;s++){let r=t[s];if(typeof r=="number"&&Number.isSafeInteger(r))o[s]=String(r);else if(r==null)o[s]="NULL";else return null}return o.join(",")}function it(t,e,n){if(t.length!==e*n)throw new Error(`matrix of ${e} x ${n} needs ${e*n} numbers, not ${t.length}`);let o=[];for(let s=0;s<e;s++){let r=[];for(let a=0;a<n;a++)r.push(ne(t[s*n+a],"float8"));o.push("{"+r.join(",")+"}")}return N("{"+o.join(",")+"}")+"::float8[]"}function ne(t,e){if(t==null)return"NULL";switch(e){case"float8":{let n=Number(t);return Number.isNaN(n)?"NaN":n===1/0?"Infinity":n===-1/0?"-Infinity":String(n)}case"int8":case"int4":{if(typeof t=="bigint")return t.toString();let n=Number(t);if(!Number.isSafeInteger(n))throw new Error(`not an integer: ${String(t)}`);return String(n)}case"bool":return t?"t":"f";case"text":return Ot(String(t));case"jsonb":return Ot(JSON.stringify(t));default:return Ot(t instanceof Date?t.toISOString():String(t))}}function Ot(t){if(t.includes("\0"))throw new Error("invalid text value: contains a NUL character");return'"'+t.replace(/[\\"]/g,e=>"\\"+e)+'"'}function Fn(t){let e=t.find(n=>n!=null);return typeof e=="bigint"?"int8":typeof e=="number"?t.every(n=>n===null||Number.isSafeInteger(n))?"int8":"float8":typeof e=="boolean"?"bool":typeof e=="string"||e===void 0?"text":"jsonb"}var F=class extends Error{constructor(n,o="",s="",r="22023"){super(n);this.hint=o;this.detail=s;this.code=r;this.name="UserError"}};function In(t){if(t instanceof F)return{error:{message:t.message,hint:t.hint,detail:t.detail,code:t.code}};if(t instanceof k)return{error:{message:`pg_centroid setting ${t.key}: ${t.message}`,hint:t.hint,detail:"",code:"22023"}};throw t}function B(t){try{return t()}catch(e){return In(e)}}function re(t){return typeof t=="object"&&t!==null&&"error"in t}function oe(){let t=globalThis.pljs??globalThis.plv8;if(!t)throw new Error("pg_centroid runs inside PostgreSQL under pljs or plv8");return t}function K(t){let e=oe().execute(t);return Array.isArray(e)?e:[]}function L(t){return K(t)[0]??null}function U(t){let e=oe().execute(t);return typeof e=="number"?e:Array.isArray(e)?e.length:0}function D(){return Date.now()}var Tn=new Set(["smallint","integer","bigint","real","double precision","numeric"]),Rn=new Set(["smallint","integer","bigint"]),se=new Map;function ae(t){let e=se.get(t);if(e!==void 0)return e;let n=L(`SELECT i.inhparent::oid::int8 AS parent FROM pg_catalog.pg_inherits i
       JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE i.inhrelid = ${R(t)}::oid AND n.nspname = '_timescaledb_internal'`),o=n?Number(n.parent):t;return se.set(t,o),o}function X(t){let e=L(`SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ${R(t)}::oid`);if(!e)throw new F(`table with oid ${t} does not exist`,"it may have been dropped");let n=new Map;for(let o of K(`SELECT attname AS name, pg_catalog.format_type(atttypid, atttypmod) AS type FROM pg_catalog.pg_attribute
      WHERE attrelid = ${R(t)}::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum`)){let s=o.type.replace(/\(.*\)$/,"");n.set(o.name,{name:o.name,type:o.type,numeric:Tn.has(s),integer:Rn.has(s)})}return{oid:t,sql:te(e.schema,e.name),display:e.schema==="public"?e.name:`${e.schema}.${e.name}`,columns:n,timeDimension:Ln(e.schema,e.name)}}function Ln(t,e){if(!L("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb'"))return null;let o=L(`SELECT column_name FROM timescaledb_information.dimensions
      WHERE hypertable_schema = ${N(t)} AND hypertable_name = ${N(e)}
      ORDER BY dimension_number LIMIT 1`);return o?o.column_name:null}function lt(t,e,n){let o=(s,r)=>{let a=t.columns.get(r);if(!a){let i=[...t.columns.keys()];throw new F(`pg_centroid setting ${s}: column "${r}" does not exist in table ${t.display}`,i.length?`columns of ${t.display}: ${i.join(", ")}`:"the table has no columns")}return a};o("key_column",e.key_column);for(let s of e.clustering_columns){let r=o("clustering_columns",s);if(!r.numeric)throw new F(`pg_centroid setting clustering_columns: column "${s}" of ${t.display} is ${r.type}, not a number`,"cluster on numeric columns (smallint, integer, bigint, real, double precision, numeric)")}if(e.cluster_number_column!==null){let s=o("cluster_number_column",e.cluster_number_column);if(!s.integer)throw new F(`pg_centroid setting cluster_number_column: column "${e.cluster_number_column}" of ${t.display} is ${s.type}, not an integer`,`ALTER TABLE ${t.sql} ALTER COLUMN ${T(e.cluster_number_column)} TYPE integer`)}else if(n==="insert")throw new F("pg_centroid setting cluster_number_column is missing",'add "cluster_number_column": "<integer column>"');e.time_column!==null&&o("time_column",e.time_column)}function ot(t,e){return e.time_column??t.timeDimension}function pt(t){if(!Number.isFinite(t))throw new Error(`labeler: non-finite constant ${t}`);return Object.is(t,-0)?"0":`(${String(t)})`}function ie(t,e){let n=[];for(let o=0;o<t;o++)n.push(`var x${o} = features[${o}];`),n.push(`if (typeof x${o} !== 'number' || x${o} - x${o} !== 0) return -1;`),e&&n.push(`x${o} = (x${o} - ${pt(e.means[o])}) / ${pt(e.scales[o])};`);return n}function le(t,e,n,o){let s=["var best = 0, bestDistance, s, t;"];for(let r=0;r<t;r++){let a=[];for(let i=0;i<e;i++)a.push(n==="manhattan"?`s += Math.abs(x${i} - ${o(r,i)});`:`t = x${i} - ${o(r,i)}; s += t * t;`);s.push("s = 0; "+a.join(" ")),s.push(r===0?"bestDistance = s;":`if (s < bestDistance) { bestDistance = s; best = ${r}; }`)}return s}function ce(t){let{k:e,d:n,distance:o,scaler:s,decay:r}=t,a=ie(n,s);if(a.push(...le(e,n,o,(i,l)=>`centers[${i*n+l}]`)),r!==1)for(let i=0;i<e;i++)a.push(`counts[${i}] = counts[${i}] * ${pt(r)};`);a.push("var m = counts[best] + 1; counts[best] = m; var o = best * "+n+";");for(let i=0;i<n;i++)a.push(`centers[o + ${i}] = centers[o + ${i}] + (x${i} - centers[o + ${i}]) / m;`);return a.push("return best;"),new Function("features","centers","counts",a.join(`
`))}function ue(t){let{centers:e,k:n,d:o,distance:s,scaler:r}=t;if(e.length!==n*o)throw new Error("labeler: centers, k and d disagree");let a=ie(o,r);return a.push(...le(n,o,s,(i,l)=>pt(e[i*o+l]))),a.push("return best;"),new Function("features",a.join(`
`))}function Mt(t,e,n,o,s,r){let a=0,i=1/0;if(r==="manhattan")for(let l=0;l<o;l++){let c=0,u=l*s;for(let m=0;m<s;m++)c+=Math.abs(t[e+m]-n[u+m]);c<i&&(i=c,a=l)}else for(let l=0;l<o;l++){let c=0,u=l*s;for(let m=0;m<s;m++){let b=t[e+m]-n[u+m];c+=b*b}c<i&&(i=c,a=l)}return a}function kn(t,e,n,o,s,r){let a=0,i=o*s;if(r==="manhattan"){for(let l=0;l<s;l++)a+=Math.abs(t[e+l]-n[i+l]);return a}for(let l=0;l<s;l++){let c=t[e+l]-n[i+l];a+=c*c}return Math.sqrt(a)}function Z(t,e,n,o){let{data:s,n:r,d:a}=t,i=new Int32Array(r),l=new Float64Array(r);for(let c=0;c<r;c++){let u=Mt(s,c*a,e,n,a,o);i[c]=u,l[c]=kn(s,c*a,e,u,a,o)}return{labels:i,dist:l}}function tt(t,e,n,o,s){let r=0;for(let a=0;a<s;a++){let i=t[e+a]-n[o+a];r+=i*i}return r}function Dt(t,e,n,o,s){let r=0;for(let a=0;a<s;a++)r+=Math.abs(t[e+a]-n[o+a]);return r}function P(t,e,n,o,s,r){return t==="manhattan"?Dt(e,n,o,s,r):Math.sqrt(tt(e,n,o,s,r))}var Cn=new Int32Array(0);function yt(t,e,n,o,s,r){let a=0;for(let d=0;d<n;d++)s[d]===0&&a++;if(a===0)return Cn;let{data:i,n:l,d:c}=t,u=new Float64Array(l);for(let d=0;d<l;d++)u[d]=P(r,i,d*c,e,o[d]*c,c);let m=new Int32Array(a),b=0;for(let d=0;d<n;d++){if(s[d]!==0)continue;let f=-1,g=0;for(let p=0;p<l;p++)u[p]>g&&s[o[p]]>1&&(g=u[p],f=p);if(f<0)continue;let y=o[f];s[y]=s[y]-1,s[d]=1,o[f]=d,u[f]=0,m[b++]=f}return m.subarray(0,b)}function Pt(t,e,n=new Int32Array(e)){n.fill(0);for(let o=0;o<t.length;o++){let s=t[o];n[s]=n[s]+1}return n}var me=new Map;function vn(t){return(e,n,o,s)=>{let r=0;for(let a=0;a<t;a++){let i=e[a],l=0,c=0,u=1/0,m=-1/0;for(let d=a;d<n*t;d+=t){let f=e[d];f<u&&(u=f),f>m&&(m=f);let g=f-i;l+=g,c+=g*g}o[a]=u,s[a]=m;let b=(c-l*l/n)/n;r+=b<0?0:b}return r/t}}function Nn(t){return(e,n,o,s,r)=>{let a=0;for(let i=0;i<n;i++){let l=0;for(let u=0;u<t;u++){let m=e[i*t+u]-e[o+u];l+=m*m}let c=s[i];c<l&&(l=c),r[i]=l,a+=l}return a}}function ht(t,e,n){if(!(e<=16)){let i=n===null?"co":String(n*e);return`s = 0; for (let j = 0; j < ${e}; j++) { t = data[xo + j] - centers[${i} + j]; s += t * t; }
`}let s=n!==null&&t*e<=64,r=i=>s?`c${n}_${i}`:n===null?`centers[co + ${i}]`:`centers[${n*e+i}]`,a=`t = x0 - ${r(0)}; s = t * t;
`;for(let i=1;i<e;i++)a+=`t = x${i} - ${r(i)}; s += t * t;
`;return a}function fe(t,e){if(e>16||t*e>64)return"";let n="";for(let o=0;o<t;o++)for(let s=0;s<e;s++)n+=`const c${o}_${s} = centers[${o*e+s}];
`;return n}function zt(t){if(t>16)return"";let e="";for(let n=0;n<t;n++)e+=`const x${n} = data[xo + ${n}];
`;return e}function be(t,e){let n=s=>`if (s < b1) { b2 = b1; b1 = s; a = ${s}; } else if (s < b2) { b2 = s; }
`,o=`let b1 = Infinity; let b2 = Infinity; let a = 0;
`;if(t*e<=64&&e<=16)for(let s=0;s<t;s++)o+=ht(t,e,s)+n(String(s));else o+=`for (let c = 0, co = 0; c < ${t}; c++, co += ${e}) {
${ht(t,e,null)}${n("c")}}
`;return o}function jt(t,e,n){if(t>16)return`for (let j = 0; j < ${t}; j++) sums[${e} * ${t} + j] ${n}= data[xo + j];
`;let o=`{ const so = ${e} * ${t};
`;for(let s=0;s<t;s++)o+=`sums[so + ${s}] ${n}= x${s};
`;return o+`}
`}function On(t,e){return`${fe(t,e)}let t = 0; let s = 0;
for (let i = 0, xo = 0; i < n; i++, xo += ${e}) {
${zt(e)}${be(t,e)}labels[i] = a; upper[i] = Math.sqrt(b1); lower[i] = Math.sqrt(b2);
counts[a]++;
${jt(e,"a","+")}}`}function Mn(t,e){return`${fe(t,e)}let t = 0; let s = 0; let changed = 0;
for (let i = 0, xo = 0; i < n; i++, xo += ${e}) {
const own = labels[i];
let u = upper[i] + moved[own];
const l = lower[i] - (own === arg1 ? max2 : max1);
const h = half[own];
const bound = (h > l ? h : l) * (1 - 1e-12);
if (u < bound) { upper[i] = u; lower[i] = l; continue; }
${zt(e)}const co = own * ${e};
${ht(t,e,null)}u = Math.sqrt(s);
if (u < bound) { upper[i] = u; lower[i] = l; continue; }
${be(t,e)}labels[i] = a; upper[i] = Math.sqrt(b1); lower[i] = Math.sqrt(b2);
if (a !== own) {
changed++; counts[own]--; counts[a]++;
${jt(e,"own","-")}${jt(e,"a","+")}}
}
return changed;`}function Dn(t,e){return`let t = 0; let s = 0; let total = 0;
for (let i = 0, xo = 0; i < n; i++, xo += ${e}) {
${zt(e)}const co = labels[i] * ${e};
${ht(t,e,null)}total += s;
}
return total;`}function Pn(t){let e=`let t = 0; let x = 0;
`;for(let n=0;n<t;n++)e+=`const m${n} = data[${n}]; let s${n} = 0; let q${n} = 0; let lo${n} = Infinity; let hi${n} = -Infinity;
`;e+=`for (let xo = 0, end = n * ${t}; xo < end; xo += ${t}) {
`;for(let n=0;n<t;n++)e+=`x = data[xo + ${n}]; if (x < lo${n}) lo${n} = x; if (x > hi${n}) hi${n} = x; t = x - m${n}; s${n} += t; q${n} += t * t;
`;e+=`}
let total = 0; let v = 0;
`;for(let n=0;n<t;n++)e+=`lo[${n}] = lo${n}; hi[${n}] = hi${n}; v = (q${n} - (s${n} * s${n}) / n) / n; total += v < 0 ? 0 : v;
`;return e+`return total / ${t};`}function jn(t){let e=`let t = 0; let s = 0; let pot = 0;
`;for(let n=0;n<t;n++)e+=`const c${n} = xs[cand + ${n}];
`;e+=`for (let i = 0, xo = 0; i < m; i++, xo += ${t}) {
`,e+=`t = xs[xo] - c0; s = t * t;
`;for(let n=1;n<t;n++)e+=`t = xs[xo + ${n}] - c${n}; s += t * t;
`;return e+=`const w = closest[i];
if (w < s) s = w;
out[i] = s; pot += s;
}
return pot;`,e}function Y(t,e){let n=`${t}x${e}`,o=me.get(n);if(o)return o;let s={exact:new Function("data","n","centers","labels","upper","lower","sums","counts",On(t,e)),bounds:new Function("data","n","centers","labels","upper","lower","sums","counts","moved","half","max1","max2","arg1",Mn(t,e)),cost:new Function("data","n","centers","labels",Dn(t,e)),variance:e<=16?new Function("data","n","lo","hi",Pn(e)):vn(e),potential:e<=16?new Function("xs","m","cand","closest","out",jn(e)):Nn(e)};return me.set(n,s),s}function $t(t,e,n,o,s){let r=0,a=e*s,i=o*s;for(let l=0;l<s;l++){let c=t[a+l]-n[i+l];r+=c*c}return Math.sqrt(r)}function wt(t,e,n,o,s,r){for(let a=0;a<n;a++){let i=e[a];for(let l=0;l<o;l++){let c=a*o+l;r[c]=i>0?t[c]/i:s[c]}}}function de(t,e,n,o){let s=0;for(let r=0;r<n;r++){let a=$t(t,r,e,r,o);s+=a*a}return s}function st(t){let e=new Float64Array(t.d),n=new Float64Array(t.d);return{variance:Y(1,t.d).variance(t.data,t.n,e,n),lo:e,hi:n}}function et(t,e,n){return e>0?e*(n??st(t)).variance:0}function zn(t,e,n){let{data:o,n:s,d:r}=t;n.fill(0);for(let a=0;a<s;a++){let i=e[a]*r,l=a*r;for(let c=0;c<r;c++)n[i+c]=n[i+c]+o[l+c]}}function Un(t,e,n,o){o.fill(1/0);for(let s=0;s<e;s++)for(let r=s+1;r<e;r++){let a=.5*$t(t,s,t,r,n);a<o[s]&&(o[s]=a),a<o[r]&&(o[r]=a)}}function At(t,e,n,o,s){let{data:r,n:a,d:i}=t,l=s??et(t,o.tolerance),c=Y(n,i),u=Float64Array.from(e),m=new Float64Array(n*i),b=new Int32Array(a),d=new Float64Array(a),f=new Float64Array(a),g=new Float64Array(n*i),y=new Int32Array(n),p=new Float64Array(n),h=new Float64Array(n);c.exact(r,a,u,b,d,f,g,y),o.trace?.("assigned",a);let A=0,w=!1;for(;A<o.maxIterations;){let _=yt(t,u,n,b,y,"euclidean");if(_.length>0){for(let S=0;S<_.length;S++){let v=_[S];d[v]=1/0,f[v]=0}zn(t,b,g)}wt(g,y,n,i,u,m);let x=0,E=0,I=-1,O=0;for(let S=0;S<n;S++){let v=$t(u,S,m,S,i);p[S]=v,O+=v*v,v>x?(E=x,x=v,I=S):v>E&&(E=v)}let C=u;u=m,m=C,A++,Un(u,n,i,h);let W=c.bounds(r,a,u,b,d,f,g,y,p,h,x,E,I);if(o.trace?.("iteration",O),W===0||O<=l){w=!0;break}}let $=c.cost(r,a,u,b);return o.trace?.("finished",$),{centers:u,labels:b,cost:$,iterations:A,converged:w}}var ye=3,he=[1/0,2048,8192,2e4],qn=20,Bn=17,Wn=10,Hn=4;function Gn(t,e){let n=Math.min(Bn,Math.floor(Math.log2(Math.max(2,t/qn))));return Math.max(1,Math.min(Wn,Math.floor(n/e)))}function M(t,e,n=`
`){return Array.from({length:t},(o,s)=>e(s)).join(n)}function Kn(t){return`${M(t,e=>`const lo${e} = lo[${e}], sc${e} = scale[${e}], sp${e} = spread.subarray(${e} * side, ${e+1} * side);`)}
for (let i = 0, at = 0; i < n; i++, at += ${t}) {
${M(t,e=>`const x${e} = data[at + ${e}];`)}
const id = ${M(t,e=>`sp${e}[((x${e} - lo${e}) * sc${e}) | 0]`," | ")};
cellOf[i] = id; count[id]++;
const so = id * ${t};
${M(t,e=>`sum[so + ${e}] += x${e};`)}
}`}function ge(t,e){let n=(r,a)=>`t = ${r(0)} - ${a(0)}; s = t * t;
`+M(t-1,i=>`t = ${r(i+1)} - ${a(i+1)}; s += t * t;`),o=(r,a)=>`counts[${r}]++; const so = ${r} * ${t}; ${M(t,i=>`sums[so + ${i}] += x${i};`," ")}`+(e?` labels[i] = ${r}; cost += ${a};`:""),s=`counts[c] += count[level][node];
  const so = c * ${t}; const no = node * ${t}; const sl = sum[level];
  ${M(t,r=>`sums[so + ${r}] += sl[no + ${r}];`)}
  ${e?`let t = 0, s = 0;
  ${M(t,r=>`const z${r} = centers[so + ${r}];`)}
  for (let p = first; p < end; p++) {
    const i = order[p]; labels[i] = c; const xo = i * ${t};
    ${n(r=>`data[xo + ${r}]`,r=>`z${r}`)}
    cost += s;
  }`:""}`;return`const { bits, count, sum, order, cellStart, lo, width, slack } = grid;
const cand = new Int32Array((bits + 2) * k);
const corner = new Float64Array((bits + 1) * ${t});
${M(t,r=>`const e${r} = slack[${r}];`)}
counts.fill(0); sums.fill(0);
let cost = 0;
// The largest coordinate of a row and (far) the largest squared distance a row can have to a center.
let reach = 0, far = 0;
for (let j = 0; j < ${t}; j++) reach = Math.max(reach, Math.abs(lo[j]), Math.abs(lo[j] + width[j]));
for (let t = 0; t < k * ${t}; t++) far = Math.max(far, Math.abs(centers[t]));
far = (reach + far) * (reach + far);
// Rows first..end of order, compared one by one with the nc candidates at cand[base..).
function rows(first, end, base, nc) {
  let t = 0, s = 0;
  if (nc === 2) {
    const a = cand[base], b = cand[base + 1];
    ${M(t,r=>`const a${r} = centers[a * ${t} + ${r}], b${r} = centers[b * ${t} + ${r}];`)}
    ${e?`for (let p = first; p < end; p++) {
      const i = order[p]; const xo = i * ${t};
      ${M(t,r=>`const x${r} = data[xo + ${r}];`)}
      ${n(r=>`x${r}`,r=>`a${r}`)}
      const sa = s;
      ${n(r=>`x${r}`,r=>`b${r}`)}
      if (s < sa) { ${o("b","s")} } else { ${o("a","sa")} }
    }`:`// b is nearer than a where g = x . (b - a) - (|b|^2 - |a|^2) / 2 > 0: one dot product a row. Within
    // margin of 0 (far above the rounding of g and of both distances) the distances decide, as nearest() does.
    ${M(t,r=>`const u${r} = b${r} - a${r};`)}
    const half = 0.5 * (${M(t,r=>`b${r} * b${r} - a${r} * a${r}`," + ")});
    const margin = 1e-9 * (reach * (${M(t,r=>`Math.abs(u${r})`," + ")}) + Math.abs(half) + ${t} * far);
    for (let p = first; p < end; p++) {
      const i = order[p]; const xo = i * ${t};
      ${M(t,r=>`const x${r} = data[xo + ${r}];`)}
      const g = ${M(t,r=>`x${r} * u${r}`," + ")} - half;
      let near = g > 0;
      if (g < margin && g > -margin) {
        ${n(r=>`x${r}`,r=>`a${r}`)}
        const sa = s;
        ${n(r=>`x${r}`,r=>`b${r}`)}
        near = s < sa;
      }
      if (near) { ${o("b","0")} } else { ${o("a","0")} }
    }`}
    return;
  }
  for (let p = first; p < end; p++) {
    const i = order[p]; const xo = i * ${t};
    ${M(t,r=>`const x${r} = data[xo + ${r}];`)}
    let best = 0, bestDist = Infinity;
    for (let u = base, stop = base + nc; u < stop; u++) {
      const co = cand[u] * ${t};
      ${n(r=>`x${r}`,r=>`centers[co + ${r}]`)}
      if (s < bestDist) { bestDist = s; best = cand[u]; }
    }
    ${o("best","bestDist")}
  }
}
// Every row of the node (rows first..end of order) belongs to center c.
function whole(level, node, first, end, c) {
  ${s}
}
function visit(level, node, nc) {
  const base = level * k;
  const b = level * ${t};
  const w = level * ${t};
  let t = 0, s = 0;
  ${M(t,r=>`const l${r} = corner[b + ${r}] - e${r}, h${r} = corner[b + ${r}] + width[w + ${r}] + e${r}, m${r} = 0.5 * (l${r} + h${r});`)}
  // The candidate nearest the box's middle...
  let star = cand[base], starDist = Infinity;
  for (let u = base, stop = base + nc; u < stop; u++) {
    const co = cand[u] * ${t};
    ${n(r=>`m${r}`,r=>`centers[co + ${r}]`)}
    if (s < starDist) { starDist = s; star = cand[u]; }
  }
  const diag = ${M(t,r=>`(h${r} - l${r}) * (h${r} - l${r})`," + ")};
  ${M(t,r=>`const z${r} = centers[star * ${t} + ${r}];`)}
  // ...then every candidate that may be nearer somewhere in the box: at the box's corner farthest toward c,
  // star must be nearer by a margin far above rounding, or c stays.
  const kept = base + k;
  let nk = 0;
  for (let u = base, stop = base + nc; u < stop; u++) {
    const c = cand[u];
    if (c !== star) {
      const co = c * ${t};
      let dc = 0, ds = 0, v = 0, y = 0;
      ${M(t,r=>`y = centers[co + ${r}]; v = y > z${r} ? h${r} : l${r}; t = v - y; dc += t * t; t = v - z${r}; ds += t * t;`,`
      `)}
      if (dc - ds > 1e-9 * (dc + ds + diag)) continue;
    }
    cand[kept + nk++] = c;
  }
  const shift = ${t} * (bits - level);
  const first = cellStart[node << shift];
  const end = cellStart[(node + 1) << shift];
  if (nk === 1) { whole(level, node, first, end, star); return; }
  if (level === bits || end - first <= ${Hn}) { rows(first, end, kept, nk); return; }
  const below = count[level + 1];
  const cb = b + ${t};
  ${M(t,r=>`const c${r} = corner[b + ${r}], hw${r} = width[w + ${t+r}];`)}
  for (let child = 0; child < ${1<<t}; child++) {
    const id = (node << ${t}) | child;
    if (below[id] === 0) continue;
    ${M(t,r=>`corner[cb + ${r}] = (child & ${1<<r}) === 0 ? c${r} : c${r} + hw${r};`,`
    `)}
    visit(level + 1, id, nk);
  }
}
for (let c = 0; c < k; c++) cand[c] = c;
${M(t,r=>`corner[${r}] = lo[${r}];`)}
visit(0, 0, k);
return cost;`}var pe=new Map;function $e(t){let e=pe.get(t);if(e)return e;let n=["grid","data","centers","k","counts","sums","labels"],o={cells:new Function("data","n","lo","scale","side","spread","cellOf","count","sum",Kn(t)),assign:new Function(...n,ge(t,!1)),label:new Function(...n,ge(t,!0))};return pe.set(t,o),o}function Xn(t,e){let{data:n,n:o,d:s}=t,r=Gn(o,s),a=1<<r,i=Float64Array.from(e.lo),l=new Float64Array(s),c=new Float64Array(s),u=new Float64Array((r+1)*s);for(let $=0;$<s;$++){let _=e.lo[$],x=e.hi[$],E=(x-_)*(1+1e-9);l[$]=E>0?a/E:0,c[$]=1e-9*E+1e-12*(Math.abs(_)+Math.abs(x));for(let I=0;I<=r;I++)u[I*s+$]=E/(1<<I)}let m=new Int32Array(s*a);for(let $=0;$<a;$++){let _=0;for(let x=0;x<r;x++)$>>x&1&&(_|=1<<x*s);for(let x=0;x<s;x++)m[x*a+$]=_<<x}let b=1<<r*s,d=new Int32Array(o),f=new Int32Array(b),g=new Float64Array(b*s);$e(s).cells(n,o,i,l,a,m,d,f,g);let y=new Array(r+1),p=new Array(r+1);y[r]=f,p[r]=g;for(let $=r-1;$>=0;$--){let _=1<<s*$,x=y[$+1],E=p[$+1],I=new Int32Array(_),O=new Float64Array(_*s);for(let C=0;C<_<<s;C++){let W=x[C];if(W===0)continue;let S=C>>s;I[S]=I[S]+W;for(let v=0;v<s;v++)O[S*s+v]=O[S*s+v]+E[C*s+v]}y[$]=I,p[$]=O}let h=new Int32Array(b+1);for(let $=0;$<b;$++)h[$+1]=h[$]+f[$];let A=h.slice(0,b),w=new Int32Array(o);for(let $=0;$<o;$++){let _=d[$];w[A[_]]=$,A[_]=A[_]+1}return{d:s,bits:r,count:y,sum:p,order:w,cellStart:h,lo:i,width:u,slack:c}}function Yn(t,e,n,o){for(let s=0;s<t.length;s++)if(t[s]!==e[s])return!1;for(let s=0;s<n.length;s++)if(n[s]!==o[s])return!1;return!0}function we(t,e,n,o,s,r){let{data:a,n:i,d:l}=t,c=r??st(t),u=s??et(t,o.tolerance,c),m=Xn(t,c);o.trace?.("grid",1<<m.bits*l);let b=$e(l),d=Float64Array.from(e),f=new Float64Array(n*l),g=new Int32Array(n),y=new Float64Array(n*l),p=new Int32Array(n),h=new Float64Array(n*l),A=new Int32Array(i);o.maxIterations>0&&b.assign(m,a,d,n,g,y,null),o.trace?.("assigned",i);let w=0,$=!1,_=-1;for(;w<o.maxIterations;){for(let I=0;I<n;I++)if(g[I]===0){let O=At(t,d,n,{...o,maxIterations:o.maxIterations-w},u);return{...O,iterations:w+O.iterations}}wt(y,g,n,l,d,f);let x=de(d,f,n,l);if([d,f]=[f,d],w++,[g,p]=[p,g],[y,h]=[h,y],x<=u||w===o.maxIterations?_=b.label(m,a,d,n,g,y,A):b.assign(m,a,d,n,g,y,null),o.trace?.("iteration",x),x<=u||Yn(g,p,y,h)){$=!0;break}}return _<0&&(_=b.label(m,a,d,n,g,y,A)),o.trace?.("finished",_),{centers:d,labels:A,cost:_,iterations:w,converged:$}}function Jn(t,e){return e<=ye&&t>=(he[e]??1/0)?"filtering":"hamerly"}function Ut(t,e,n,o,s,r){return Jn(t.n,t.d)==="filtering"?we(t,e,n,o,s,r):At(t,e,n,o,s??et(t,o.tolerance,r))}function Ae(t,e,n){let o=0,s=e-1;for(;s>o;){let r=t[o],a=t[o+s>>>1],i=t[s],l=r<a?a<i?a:r<i?i:r:r<i?r:a<i?i:a,c=o,u=s;for(;c<=u;){for(;t[c]<l;)c++;for(;t[u]>l;)u--;if(c<=u){let m=t[c];t[c]=t[u],t[u]=m,c++,u--}}if(n<=u)s=u;else if(n>=c)o=c;else return t[n]}return t[n]}function Vn(t,e){let n=e>>>1;if(e%2===1)return Ae(t,e,n);let o=Ae(t,e,n-1),s=1/0;for(let r=n;r<e;r++)t[r]<s&&(s=t[r]);return(o+s)/2}function Qn(t,e,n,o,s,r,a,i,l){let{data:c,n:u,d:m}=t,b=0;for(let d=0;d<o;d++)i[d]=b,b+=n[d];for(let d=0;d<u;d++){let f=e[d];a[i[f]]=d,i[f]=i[f]+1}for(let d=0;d<o;d++){let f=n[d],g=i[d]-f;for(let y=0;y<m;y++){if(f===0){r[d*m+y]=s[d*m+y];continue}for(let p=0;p<f;p++)l[p]=c[a[g+p]*m+y];r[d*m+y]=Vn(l,f)}}}function _e(t,e,n,o,s){let{n:r,d:a}=t,i=Float64Array.from(e),l=new Float64Array(n*a),c=Float64Array.from(e),u=1/0,m=new Int32Array(n),b=new Int32Array(r),d=new Int32Array(n),f=new Float64Array(r),g=0,y=!1;for(;;){let{labels:A,dist:w}=Z(t,i,n,o),$=0;for(let E=0;E<r;E++)$+=w[E];if($<=u&&(u=$,c.set(i)),y||g>=s.maxIterations)break;Pt(A,n,m),yt(t,i,n,A,m,o),Qn(t,A,m,n,i,l,b,d,f);let _=0;for(let E=0;E<n;E++)_=Math.max(_,P(o,i,E*a,l,E*a,a));let x=i;i=l,l=x,g++,_<=s.tolerance&&(y=!0)}let p=Z(t,c,n,o),h=0;for(let A=0;A<r;A++)h+=p.dist[A];return{centers:c,labels:p.labels,cost:h,iterations:g,converged:y}}function ct(t,e){return new Error(`k = ${t} is more than the ${e} distinct points in the data; lower k to at most ${e}`)}function xe(t,e,n,o){let s=e*o,r=n*o;for(let a=0;a<o;a++)if(t[s+a]!==t[r+a])return!1;return!0}function J(t,e){let{data:n,n:o,d:s}=t,r=new Int32Array(Math.max(0,e)),a=0;for(let i=0;i<o&&a<e;i++){let l=!1;for(let c=0;c<a&&!l;c++)l=xe(n,r[c],i,s);l||(r[a++]=i)}return a}function _t(t,e){let{data:n,d:o}=t,s=new Float64Array(e.length*o);for(let r=0;r<e.length;r++){let a=e[r]*o;for(let i=0;i<o;i++)s[r*o+i]=n[a+i]}return s}function Se(t,e,n){let o=new Int32Array(t);for(let r=0;r<t;r++)o[r]=r;let s=Math.min(e,t);for(let r=0;r<s;r++){let a=r+n.int(t-r),i=o[r];o[r]=o[a],o[a]=i}return o}function Ee(t,e,n){let{data:o,n:s,d:r}=t,a=new Int32Array(s);for(let c=0;c<s;c++)a[c]=c;let i=new Int32Array(e),l=0;for(let c=0;c<s&&l<e;c++){let u=c+n.int(s-c),m=a[u];a[u]=a[c],a[c]=m;let b=!1;for(let d=0;d<l&&!b;d++)b=xe(o,i[d],m,r);b||(i[l++]=m)}if(l<e)throw ct(e,l);return i}function qt(t,e,n,o,s,r){if(s==="manhattan")return Dt(t,e*o,t,n*o,o);let a=tt(t,e*o,t,n*o,o);return r?a:Math.sqrt(a)}function Zn(t,e,n){let o=0,s=e;for(;o<s;){let r=o+s>>>1;t[r]>n?s=r:o=r+1}return o}function tr(t,e,n,o,s){let{data:r,n:a,d:i}=t,l=-1,c=0;for(let u=0;u<a;u++){let m=1/0;for(let b=0;b<n;b++)m=Math.min(m,qt(r,u,e[b],i,o,s));m>c&&(c=m,l=u)}return l}function er(t){return Math.max(1e4,50*t)}function Fe(t,e,n,o,s,r=er(e)){let{data:a,n:i,d:l}=t,c=Math.min(i,r),u=c<i?Se(i,c,n):Se(i,0,n),m=new Int32Array(e),b=new Float64Array(c),d=new Float64Array(c),f=new Float64Array(c),g=new Float64Array(c),y=2+Math.floor(Math.log(e)),p=nr(t,u,c,o,s),h=n.int(c);m[0]=u[h],b.fill(1/0);let A=p(h,b,b);for(let w=1;w<e;w++){let $=-1;if(A>0){let _=0;for(let I=0;I<c;I++)_+=b[I],g[I]=_;let x=1/0;for(let I=0;I<y;I++){let O=Zn(g,c,n.next()*_);for(;O>=c||b[O]<=0;)O=O>=c?c-1:O-1;let C=p(O,b,d);if(C<x){x=C,$=u[O];let W=f;f=d,d=W}}let E=b;b=f,f=E,A=x}else{if($=tr(t,m,w,o,s),$<0)throw ct(e,w);A=0;for(let _=0;_<c;_++){let x=Math.min(b[_],qt(a,u[_],$,l,o,s));b[_]=x,A+=x}}m[w]=$}return m}function nr(t,e,n,o,s){let{data:r,d:a}=t;if(o==="euclidean"&&s){let i=new Float64Array(n*a);for(let c=0,u=0;c<n;c++)for(let m=e[c]*a,b=m+a;m<b;m++)i[u++]=r[m];let l=Y(1,a).potential;return(c,u,m)=>l(i,n,c*a,u,m)}return(i,l,c)=>{let u=e[i],m=0;for(let b=0;b<n;b++){let d=Math.min(l[b],qt(r,e[b],u,a,o,s));c[b]=d,m+=d}return m}}function Bt(t,e,n){if(t===void 0)throw new Error("centers are required when centerChoice is manual");if(t.length!==e*n)throw new Error(`centers has ${t.length} numbers, expected k * d = ${e} * ${n} = ${e*n}`);for(let o=0;o<t.length;o++){let s=t[o];if(!Number.isFinite(s))throw new Error(`center ${Math.floor(o/n)} dimension ${o%n} is ${s}, expected a finite number`)}return Float64Array.from(t)}var Ie=1e4;function Te(t,e,n,o,s,r,a,i,l){let{data:c,d:u}=t,m=1/0,b=1/0,d=-1,f=-1;for(let g=0;g<o;g++){let y=P(s,c,e*u,c,n[g]*u,u);y<m?(b=m,f=d,m=y,d=g):y<b&&(b=y,f=g)}r[e]=d,a[e]=m,i[e]=f,l[e]=b}function Re(t,e,n,o,s){s.fill(0);for(let r=0;r<o;r++){let a=t[r];s[a]=s[a]+n[r]-e[r]}}function rr(t,e){let{data:n,n:o,d:s}=t,r=0,a=1/0;for(let i=0;i<o;i++){let l=0;for(let c=0;c<o&&l<a;c++)l+=P(e,n,c*s,n,i*s,s);l<a&&(a=l,r=i)}return r}function Le(t,e,n,o,s){let{data:r,n:a,d:i}=t;if(a>Ie)throw new Error(`k-medoids accepts at most ${Ie} points, not ${a}; use k-medians or fit on a sample`);let l=Int32Array.from(e),c=0,u=!1;if(n===1)s.maxIterations>0&&(l[0]=rr(t,o),c=1),u=s.maxIterations>0;else{let f=new Int32Array(a).fill(-1);for(let E=0;E<n;E++)f[l[E]]=E;let g=new Int32Array(a),y=new Int32Array(a),p=new Float64Array(a),h=new Float64Array(a),A=new Float64Array(a),w=new Float64Array(n),$=new Float64Array(n),_=0;for(let E=0;E<a;E++)Te(t,E,l,n,o,g,p,y,h),_+=p[E];Re(g,p,h,a,w);let x=-1;t:for(;c<s.maxIterations;){c++;let E=!1;for(let I=0;I<a;I++){if(I===x){u=!0;break t}if(f[I]>=0)continue;$.set(w);let O=0;for(let S=0;S<a;S++){let v=P(o,r,S*i,r,I*i,i);A[S]=v;let Ct=p[S],gt=g[S];v<Ct?(O+=v-Ct,$[gt]=$[gt]+Ct-h[S]):v<h[S]&&($[gt]=$[gt]+v-h[S])}let C=0;for(let S=1;S<n;S++)$[S]<$[C]&&(C=S);let W=$[C]+O;if(W<-1e-12*_){f[l[C]]=-1,l[C]=I,f[I]=C;for(let S=0;S<a;S++){let v=A[S];g[S]===C||y[S]===C?Te(t,S,l,n,o,g,p,y,h):v<p[S]?(y[S]=g[S],h[S]=p[S],g[S]=C,p[S]=v):v<h[S]&&(y[S]=C,h[S]=v)}Re(g,p,h,a,w),_+=W,x=I,E=!0}}if(!E){u=!0;break}}}let m=_t(t,l),b=Z(t,m,n,o),d=0;for(let f=0;f<a;f++)d+=b.dist[f];return{centers:m,labels:b.labels,cost:d,iterations:c,converged:u,medoids:l}}function St(t){return t^=t>>>16,t=Math.imul(t,2246822507),t^=t>>>13,t=Math.imul(t,3266489909),t^=t>>>16,t>>>0}function ke(t){let e=t>>>0,n=Math.floor(t/4294967296)>>>0;return St(e^St(n^2654435769))}function ut(t){let e=ke(t),n=()=>{e=e+1831565813|0;let o=Math.imul(e^e>>>15,1|e);return o=o+Math.imul(o^o>>>7,61|o)^o,((o^o>>>14)>>>0)/4294967296};return{next:n,int:o=>Math.floor(n()*o)}}function Wt(t,e){return St(ke(t)^St(Math.imul(e+1,2654435769)))}function ve(t,e){throw new Error(`unknown ${e}: ${String(t)}`)}function or(t){let{data:e,n,d:o}=t;if(!Number.isInteger(n)||n<1)throw new Error(`n is ${n}, expected an integer of at least 1 (no points to cluster)`);if(!Number.isInteger(o)||o<1)throw new Error(`d is ${o}, expected an integer of at least 1`);if(e.length!==n*o)throw new Error(`points hold ${e.length} numbers, expected n * d = ${n} * ${o} = ${n*o}`);let s=st(t);if(s.variance-s.variance===0)return s;for(let r=0;r<e.length;r++){let a=e[r];if(!Number.isFinite(a))throw new Error(`point ${Math.floor(r/o)} dimension ${r%o} is ${a}, expected a finite number`)}return s}function sr(t,e){let{k:n,starts:o,maxIterations:s,tolerance:r,seed:a}=t;if(!Number.isInteger(n)||n<1||n>e)throw new Error(`k is ${n}, expected an integer from 1 to ${e} (the number of points)`);if(!Number.isInteger(o)||o<1)throw new Error(`starts is ${o}, expected an integer of at least 1`);if(!Number.isInteger(s)||s<0)throw new Error(`maxIterations is ${s}, expected an integer of at least 0`);if(!Number.isFinite(r)||r<0)throw new Error(`tolerance is ${r}, expected a finite number >= 0`);if(!Number.isFinite(a))throw new Error(`seed is ${a}, expected a finite number`)}function ar(t,e){return(t==="k-means"||t==="k-means++")&&e==="manhattan"?"k-medians":t}function ir(t,e){return t==="k-means++"&&e==="random"?"k-means++":e}function lr(t,e,n,o){let{data:s,n:r,d:a}=t,i=new Int32Array(n);for(let l=0;l<n;l++){let c=-1,u=1/0;for(let m=0;m<r;m++){let b=P(o,s,m*a,e,l*a,a);if(b>=u)continue;let d=!1;for(let f=0;f<l&&!d;f++)d=P(o,s,m*a,s,i[f]*a,a)===0;d||(c=m,u=b)}if(c<0)throw ct(n,l);i[l]=c}return i}function Ne(t,e,n,o,s){return n==="random"?Ee(t,e.k,s):Fe(t,e.k,s,e.distance,o==="k-means"||o==="k-means++")}function Ce(t,e,n,o,s){switch(n){case"manual":return Bt(e.centers,e.k,t.d);case"random":case"k-means++":return _t(t,Ne(t,e,n,o,s));default:return ve(n,"centerChoice")}}function cr(t,e,n,o,s,r,a){let{k:i,distance:l}=e;switch(n){case"k-means":case"k-means++":{let c=Ce(t,e,o,n,s);return e.trace?.("seeded",i),Ut(t,c,i,e,e.tolerance*r,a)}case"k-medians":return _e(t,Ce(t,e,o,n,s),i,l,{maxIterations:e.maxIterations,tolerance:e.tolerance*Math.sqrt(r)});case"k-medoids":{let c=o==="manual"?lr(t,Bt(e.centers,i,t.d),i,l):Ne(t,e,o,n,s);return Le(t,c,i,l,e)}default:return ve(n,"algorithm")}}function ur(t){return Math.max(2e4,100*t)}function mr(t,e,n){let{data:o,n:s,d:r}=t,a=new Uint8Array(s),i=new Float64Array(e*r);for(let l=0,c=0;l<e;l++){let u=n.int(s);for(;a[u]===1;)u=n.int(s);a[u]=1;for(let m=u*r,b=m+r;m<b;m++)i[c++]=o[m]}return{data:i,n:e,d:r}}function fr(t,e,n,o){let s=n==="k-means"||n==="k-means++",r=ur(e.k);if(!s||o==="manual"||2*r>t.n)return t;let a=mr(t,r,ut(Wt(e.seed,-1)));return e.trace?.("sampled",r),a}function br(t,e,n,o){let{centers:s,labels:r}=t;if(s.length!==e*n)throw new Error(`internal error: ${s.length/n} centers, expected k = ${e}`);for(let i=0;i<s.length;i++)if(!Number.isFinite(s[i]))throw new Error(`internal error: center ${Math.floor(i/n)} dimension ${i%n} is ${s[i]}`);if(r.length!==o)throw new Error(`internal error: ${r.length} labels, expected n = ${o}`);let a=new Int32Array(e);for(let i=0;i<o;i++){let l=r[i];if(!(l>=0&&l<e))throw new Error(`internal error: label ${l} of point ${i}, expected 0 to ${e-1}`);a[l]=a[l]+1}if(!Number.isFinite(t.cost))throw new Error(`internal error: cost is ${t.cost}`);return a}function G(t,e){let n=or(t),o=n.variance;sr(e,t.n);let{k:s,seed:r}=e,a=J(t,s);if(a<s)throw ct(s,a);e.trace?.("validated",t.n);let i=ar(e.algorithm,e.distance),l=ir(e.algorithm,e.centerChoice),c=l==="manual"?1:e.starts,u=fr(t,e,i,l),m;for(let f=0;f<c;f++){let g=cr(u,e,i,l,ut(Wt(r,f)),o,u===t?n:void 0);(m===void 0||g.cost<m.cost)&&(m=g)}if(m===void 0)throw new Error(`internal error: no start ran (starts = ${c})`);if(u!==t){let f={...e,maxIterations:e.maxIterations-m.iterations},g=Ut(t,m.centers,s,f,e.tolerance*o,n);m={...g,iterations:m.iterations+g.iterations}}let b=br(m,s,t.d,t.n),d={k:s,d:t.d,centers:m.centers,labels:m.labels,cost:m.cost,iterations:m.iterations,converged:m.converged,sizes:b,algorithmUsed:i};return m.medoids!==void 0&&(d.medoids=m.medoids),d}function Oe(t,e,n,o){if(t.length!==n*o||e.length!==n*o)throw new Error(`centers hold ${t.length} and ${e.length} numbers, expected k * d = ${n*o}`);let s=new Float64Array(n*n);for(let r=0;r<n;r++)for(let a=0;a<n;a++)s[r*n+a]=tt(e,r*o,t,a*o,o);return De(s,n)}function Me(t,e){if(t.length!==e*e)throw new Error(`agreement holds ${t.length} counts, expected k * k = ${e*e}`);let n=0;for(let s=0;s<e*e;s++)n+=t[s];if(n===0)return Int32Array.from({length:e},(s,r)=>r);let o=new Float64Array(e*e);for(let s=0;s<e*e;s++)o[s]=-t[s];return De(o,e)}function De(t,e){let n=new Float64Array(e+1),o=new Float64Array(e+1),s=new Int32Array(e+1),r=new Int32Array(e+1),a=new Float64Array(e+1),i=new Uint8Array(e+1);for(let c=1;c<=e;c++){s[0]=c;let u=0;a.fill(1/0),i.fill(0);do{i[u]=1;let m=s[u],b=1/0,d=0;for(let f=1;f<=e;f++){if(i[f])continue;let g=t[(m-1)*e+(f-1)]-n[m]-o[f];g<a[f]&&(a[f]=g,r[f]=u),a[f]<b&&(b=a[f],d=f)}for(let f=0;f<=e;f++)if(i[f]){let g=s[f];n[g]=n[g]+b,o[f]=o[f]-b}else a[f]=a[f]-b;u=d}while(s[u]!==0);do{let m=r[u];s[u]=s[m],u=m}while(u!==0)}let l=new Int32Array(e);for(let c=1;c<=e;c++)l[s[c]-1]=c-1;return l}function xt(t,e){let{k:n,d:o}=t;if(e.length!==n)throw new Error(`permutation has ${e.length} entries, expected k = ${n}`);let s=new Uint8Array(n);for(let c=0;c<n;c++){let u=e[c];if(!Number.isInteger(u)||u<0||u>=n||s[u])throw new Error(`permutation entry ${c} is ${u}, expected each of 0 to ${n-1} once`);s[u]=1}let r=new Float64Array(n*o),a=new Int32Array(n);for(let c=0;c<n;c++){let u=e[c];for(let m=0;m<o;m++)r[u*o+m]=t.centers[c*o+m];a[u]=t.sizes[c]}let i=new Int32Array(t.labels.length);for(let c=0;c<i.length;c++)i[c]=e[t.labels[c]];let l={...t,centers:r,labels:i,sizes:a};if(t.medoids!==void 0){let c=new Int32Array(n);for(let u=0;u<n;u++)c[e[u]]=t.medoids[u];l.medoids=c}return l}function Et(t){let{data:e,n,d:o}=t;if(n<1)throw new Error(`n is ${n}, expected at least 1 point to standardize`);let s=new Float64Array(o),r=new Float64Array(o);for(let a=0;a<n;a++)for(let i=0;i<o;i++)s[i]=s[i]+e[a*o+i];for(let a=0;a<o;a++)s[a]=s[a]/n;for(let a=0;a<n;a++)for(let i=0;i<o;i++){let l=e[a*o+i]-s[i];r[i]=r[i]+l*l}for(let a=0;a<o;a++){let i=Math.sqrt(r[a]/n);r[a]=i<=1e-12*Math.max(1,Math.abs(s[a]))?1:i}return{means:s,scales:r}}function V(t,e){let n=e.means.length;if(t.length%n!==0)throw new Error(`data holds ${t.length} numbers, expected a multiple of d = ${n}`);let o=new Float64Array(t.length);for(let s=0;s<t.length;s++){let r=s%n;o[s]=(t[s]-e.means[r])/e.scales[r]}return o}function at(t,e){let n=e.means.length;if(t.length%n!==0)throw new Error(`data holds ${t.length} numbers, expected a multiple of d = ${n}`);let o=new Float64Array(t.length);for(let s=0;s<t.length;s++){let r=s%n;o[s]=t[s]*e.scales[r]+e.means[r]}return o}function Ft(t){let e=L(`SELECT config FROM centroid.settings WHERE table_name = ${R(t)}::oid::regclass`);return e?H(e.config,"insert"):null}function It(t,e,n){let o=L(`SELECT centroids, counts, refits, standardization FROM centroid.state WHERE table_name = ${R(t)}::oid::regclass`);if(!o||!Array.isArray(o.centroids)||o.centroids.length!==e*n||!o.centroids.every(Number.isFinite))return null;let s=new Float64Array(e);Array.isArray(o.counts)&&o.counts.length===e&&s.set(o.counts.map(Number));let r=o.standardization,a=r&&Array.isArray(r.means)&&r.means.length===n&&Array.isArray(r.scales)&&r.scales.length===n?{means:Float64Array.from(r.means),scales:Float64Array.from(r.scales)}:null,i=Float64Array.from(o.centroids,Number);return{centers:a?V(i,a):i,scaler:a,k:e,d:n,counts:s,refits:Number(o.refits)}}function Pe(t){return t.scaler?at(t.centers,t.scaler):t.centers}function dr(t){return t?ee({means:Array.from(t.means),scales:Array.from(t.scales)}):"NULL"}function Tt(t,e,n){if(e.centers.some(o=>!Number.isFinite(o)))throw new F("pg_centroid: refusing to store non-finite centroids","this is a bug: please report it with the data that caused it");U(`INSERT INTO centroid.state AS s (table_name, centroids, standardization, counts, sizes, radii, rows_used, iterations, converged, cost, duration_ms, changed_labels, refits, refitted_at)
     VALUES (${R(t)}::oid::regclass, ${it(Pe(e),e.k,e.d)}, ${dr(e.scaler)}, ${z(e.counts,"float8")},
             ${z(n.sizes,"int8")}, ${z(n.radii,"float8")}, ${R(n.rowsUsed)}, ${R(n.iterations)},
             ${n.converged}, ${q(n.cost)}, ${q(n.durationMs)}, ${R(n.changed)}, 1, pg_catalog.now())
     ON CONFLICT (table_name) DO UPDATE SET centroids = EXCLUDED.centroids, standardization = EXCLUDED.standardization, counts = EXCLUDED.counts, sizes = EXCLUDED.sizes,
       radii = EXCLUDED.radii, rows_used = EXCLUDED.rows_used, iterations = EXCLUDED.iterations, converged = EXCLUDED.converged,
       cost = EXCLUDED.cost, duration_ms = EXCLUDED.duration_ms, changed_labels = EXCLUDED.changed_labels,
       refits = s.refits + 1, refitted_at = EXCLUDED.refitted_at`)}function je(t,e){U(`UPDATE centroid.state SET centroids = ${it(Pe(e),e.k,e.d)}, counts = ${z(e.counts,"float8")},
            online_updated_at = pg_catalog.now()
      WHERE table_name = ${R(t)}::oid::regclass`)}var Ht=2e4,gr=16;function pr(t){return Math.max(1e4,50*t)}function Gt(t){return(t+2)*16+t*8}function ze(t){return(t.clustering_algorithm==="k-means"||t.clustering_algorithm==="k-means++")&&t.distance_type==="euclidean"&&t.standardize==="none"&&t.cluster_count<=gr}function yr(t,e){let n=L("SELECT pg_catalog.current_setting('pg_centroid.engine', true) AS e")?.e??"auto";return!ze(e)||n==="js"?"js":n==="sql"?"sql":e.maximum_data_count<=Ht?"js":Ue(t,Ht+1)>Ht?"sql":"js"}function Ue(t,e){let n=L(`SELECT count(*) AS n FROM (SELECT 1 FROM ${t.sql} LIMIT ${R(e)}) t`);return Number(n?.n??0)}function hr(t,e){let n=Number(L("SELECT pg_catalog.current_setting('pljs.memory_limit', true) AS m")?.m??512)||512,o=n*1024*1024/2,s=e.clustering_columns.length;if(e.maximum_data_count*Gt(s)<=o)return;let r=Ue(t,e.maximum_data_count),a=r*Gt(s);if(a<=o)return;let i=Math.floor(o/Gt(s));throw new F(`pg_centroid: the window of ${t.display} (${r} rows x ${s} columns, about ${Math.ceil(a/1048576)} MB in JavaScript) does not fit in half of pljs.memory_limit (${n} MB)`,`lower maximum_data_count to at most ${i} in centroid.settings, or raise pljs.memory_limit (as a superuser: ALTER SYSTEM SET pljs.memory_limit = ${Math.ceil(2*a/1048576)}; then SELECT pg_reload_conf())`+(ze(e)?"":"; k-means with euclidean distance, no standardize and at most 16 clusters runs in the SQL engine, without this limit"),`the ${e.clustering_algorithm} / ${e.distance_type} settings of this table need the window in memory`,"54000")}function $r(t,e,n){let o=ot(t,e)??e.key_column,s=e.clustering_columns.map((l,c)=>`${T(l)}::float8 AS c${c}`).join(", "),r=e.clustering_columns.map((l,c)=>`(c${c} - c${c}) = 0`).join(" AND "),a=`SELECT k, ${e.clustering_columns.map((l,c)=>`c${c}`).join(", ")}, l, o FROM (SELECT ${T(e.key_column)} AS k, ${s}, ${T(e.cluster_number_column)}::int4 AS l, ${T(o)} AS o
      FROM ${t.sql} ORDER BY ${T(o)} DESC LIMIT ${R(e.maximum_data_count)}) w WHERE ${r}`;if(!n)return a;let i=Array.from(n.x,l=>q(l)).join(", ");return`${a} UNION ALL SELECT NULL, ${i}, NULL::int4, NULL`}function wr(t,e,n){let o=[];for(let s=0;s<e;s++){let r=[];for(let a=0;a<n;a++){let i=`(${q(t[s*n+a])})`;r.push(`(c${a} - ${i}) * (c${a} - ${i})`)}o.push(`${r.join(" + ")} AS d${s}`)}return o.join(", ")}function Ar(t){if(t===1)return{label:"0",dist:"d0"};let e=[];for(let o=0;o<t-1;o++){let s=[];for(let r=o+1;r<t;r++)s.push(`d${o} <= d${r}`);e.push(`WHEN ${s.join(" AND ")} THEN ${o}`)}let n=Array.from({length:t},(o,s)=>`d${s}`).join(", ");return{label:`CASE ${e.join(" ")} ELSE ${t-1} END`,dist:`LEAST(${n})`}}function Kt(t,e,n,o){let{label:s,dist:r}=Ar(n);return`SELECT k, ${Array.from({length:o},(i,l)=>`c${l}`).join(", ")}, l, o, ${s} AS nl, ${r} AS dist FROM (SELECT *, ${wr(e,n,o)} FROM (${t}) w OFFSET 0) x`}function _r(t){let e=L("SELECT pg_catalog.current_setting('enable_sort') AS v")?.v??"on";L("SELECT pg_catalog.set_config('enable_sort', 'off', true)");try{return t()}finally{L(`SELECT pg_catalog.set_config('enable_sort', ${N(e)}, true)`)}}function Sr(t,e,n,o){let s=Array.from({length:o},(u,m)=>`sum(c${m}) AS s${m}, sum(c${m} * c${m}) AS q${m}`).join(", "),r=K(`SELECT nl, count(*) AS n, ${s} FROM (${Kt(t,e,n,o)}) a GROUP BY nl`),a=new Float64Array(o),i=new Float64Array(n),l=new Float64Array(n*o),c=0;for(let u of r){let m=Number(u.nl);i[m]=Number(u.n),c+=Number(u.n);for(let b=0;b<o;b++)l[m*o+b]=Number(u[`s${b}`]),a[b]=a[b]+Number(u[`q${b}`])}return{counts:i,sums:l,n:c,squares:a}}function xr(t){let e=t.squares.length,n=0;for(let o=0;o<e;o++){let s=0;for(let a=0;a<t.counts.length;a++)s+=t.sums[a*e+o];let r=s/t.n;n+=Math.max(0,t.squares[o]/t.n-r*r)}return n/e}function Er(t,e,n,o){let s=Array.from({length:o},(a,i)=>`c${i}`).join(", "),r=L(`SELECT ${s}, dist FROM (${Kt(t,e,n,o)}) a ORDER BY dist DESC LIMIT 1`);return!r||!(Number(r.dist)>0)?null:Float64Array.from({length:o},(a,i)=>Number(r[`c${i}`]))}function Fr(t,e,n){let o=Q(e,null);if(o.centerChoice==="manual"&&o.centers)return o.centers;let s=Number(L(`SELECT count(*) AS n FROM (${t}) w`)?.n??0),r=Math.max(1,Math.floor(s/pr(e.cluster_count))),a=Array.from({length:n},(d,f)=>`c${f}`).join(", "),i=Array.from({length:n},(d,f)=>`array_agg(c${f} ORDER BY r) AS c${f}`).join(", "),l=L(`SELECT ${i} FROM (SELECT ${a}, pg_catalog.row_number() OVER () AS r FROM (${t}) w) x WHERE r % ${R(r)} = 0`),c=Array.from({length:n},(d,f)=>l?.[`c${f}`]??[]),u=c[0]?.length??0,m=new Float64Array(u*n);for(let d=0;d<u;d++)for(let f=0;f<n;f++)m[d*n+f]=Number(c[f][d]);let b={data:m,n:u,d:n};return u<e.cluster_count||J(b,e.cluster_count)<e.cluster_count?null:G(b,o).centers}function qe(t,e,n,o){let s=D();if(yr(t,e)==="js")return hr(t,e),null;let r=e.cluster_count,a=e.clustering_columns.length,i=$r(t,e,o);return _r(()=>{let l=n&&!n.scaler&&n.centers.length===r*a?Float64Array.from(n.centers):Fr(i,e,a);if(!l)return null;let c=0,u=!1,m=-1;for(;c<e.max_iterations;){let b=Sr(i,l,r,a);if(b.n<e.minimum_data_count)return null;m<0&&(m=e.tolerance>0?e.tolerance*xr(b):0);let d=new Float64Array(r*a);for(let g=0;g<r;g++){let y=b.counts[g],p=y>0?null:Er(i,l,r,a);if(y===0&&!p)return null;for(let h=0;h<a;h++)d[g*a+h]=p?p[h]:b.sums[g*a+h]/y}let f=0;for(let g=0;g<r*a;g++)f+=(d[g]-l[g])**2;if(f===0&&c>0){u=!0;break}if(l=d,c++,f<=m){u=!0;break}}return Ir(t,e,n,i,l,{iterations:c,converged:u,started:s,pending:o})})}function Ir(t,e,n,o,s,r){let a=e.cluster_count,i=e.clustering_columns.length,l=ot(t,e)??e.key_column,c=T(e.cluster_number_column),u=K(`WITH a AS MATERIALIZED (${Kt(o,s,a,i)}),
          u AS (UPDATE ${t.sql} AS t SET ${c} = a.nl FROM a
                 WHERE t.${T(e.key_column)} = a.k AND a.l IS DISTINCT FROM a.nl
                   AND t.${T(l)} >= (SELECT min(o) FROM a) RETURNING 1)
     SELECT nl, count(*) AS n, avg(sqrt(dist)) AS radius, sum(dist) AS cost, (SELECT count(*) FROM u) AS changed FROM a GROUP BY nl`),m=new Int32Array(a),b=new Float64Array(a),d=0,f=0,g=0;for(let h of u){let A=Number(h.nl);m[A]=Number(h.n),b[A]=Number(h.radius),d+=Number(h.cost),f=Number(h.changed),g+=Number(h.n)}let y={centers:s,scaler:null,k:a,d:i,counts:Float64Array.from(m),refits:(n?.refits??0)+1},p=D()-r.started;return Tt(t.oid,y,{rowsUsed:g,iterations:r.iterations,converged:r.converged,cost:d,durationMs:p,sizes:m,radii:b,changed:f}),{outcome:{status:"refitted",rows:g,invalid:0,changed:f,iterations:r.iterations,cost:d,durationMs:p,pendingLabel:r.pending?Mt(r.pending.x,0,s,a,i,"euclidean"):null},state:y}}function Tr(t){L(`SELECT pg_catalog.pg_advisory_xact_lock(${R(Rr)}::int4, ${R(t)}::oid::int4)`)}var Rr=1667591796;function Lr(t,e){let n=ot(t,e)??e.key_column,o=e.cluster_number_column,s=e.clustering_columns.map((y,p)=>`${T(y)}::float8 AS c${p}`).join(", "),r=e.clustering_columns.map((y,p)=>`array_agg(c${p}) AS c${p}`).join(", "),a=L(`SELECT array_agg(k) AS keys, ${r}, array_agg(l) AS labels, min(o)::text AS since
       FROM (SELECT ${T(e.key_column)} AS k, ${s}, ${T(o)}::int4 AS l, ${T(n)} AS o
               FROM ${t.sql} ORDER BY ${T(n)} DESC LIMIT ${R(e.maximum_data_count)}) w`),i=a?.keys??[],l=e.clustering_columns.map((y,p)=>a?.[`c${p}`]??[]),c=a?.labels??[],u=l.length,m=new Float64Array(i.length*u),b=[],d=[],f=0,g=0;for(let y=0;y<i.length;y++){let p=!0;for(let h=0;h<u;h++){let A=l[h][y];if(typeof A!="number"||!Number.isFinite(A)){p=!1;break}m[f*u+h]=A}if(!p){g++;continue}b.push(i[y]),d.push(c[y]??null),f++}return{keys:b,points:{data:m.subarray(0,f*u),n:f,d:u},labels:d,invalid:g,since:a?.since??null}}var kr=1e3,Cr=1e4;function vr(t,e){return t<=kr?!0:t<=Cr&&(e+1&e)===0}function Nr(t,e,n){let o=G(t,Q(e,n));if(!n||!vr(t.n,n.refits))return o;let s=G(t,Q(e,null));return s.cost<o.cost*(1-1e-9)?xt(s,Oe(n.centers,s.centers,s.k,s.d)):o}function Q(t,e){let n={k:t.cluster_count,algorithm:t.clustering_algorithm,distance:t.distance_type,seed:t.seed,maxIterations:t.max_iterations,tolerance:t.tolerance};return e?{...n,centerChoice:"manual",centers:e.centers,starts:1}:t.center_choice==="manual"?{...n,centerChoice:"manual",centers:Float64Array.from((t.starting_centers??[]).flat()),starts:1}:{...n,centerChoice:t.center_choice,starts:t.starts}}function mt(t,e,n,o){let s=D();Tr(t.oid);let r=qe(t,e,n,o);if(r)return r;let a=Lr(t,e),i=a.points;if(o){let p=new Float64Array((i.n+1)*i.d);p.set(i.data),p.set(o.x,i.n*i.d),i={data:p,n:i.n+1,d:i.d}}let l=e.standardize==="zscore"?Et(i):null;l&&(i={...i,data:V(i.data,l)});let c=n&&Or(n,l),u={status:"waiting",rows:i.n,invalid:a.invalid,changed:0,iterations:0,cost:0,durationMs:D()-s,pendingLabel:null};if(i.n<e.minimum_data_count)return{outcome:u,state:n};if(J(i,e.cluster_count)<e.cluster_count)return{outcome:{...u,status:"too-few-distinct"},state:n};let m=Nr(i,e,c),b=[],d=[];for(let p=0;p<a.points.n;p++){let h=m.labels[p];a.labels[p]!==h&&(b.push(a.keys[p]),d.push(h))}Mr(t,e,b,d,a.since);let f=Dr(i,m.centers,m.labels,e),g={centers:m.centers,scaler:l,k:m.k,d:m.d,counts:Float64Array.from(m.sizes),refits:(n?.refits??0)+1},y=D()-s;return Tt(t.oid,g,{rowsUsed:i.n,iterations:m.iterations,converged:m.converged,cost:m.cost,durationMs:y,sizes:m.sizes,radii:f,changed:b.length}),{outcome:{status:"refitted",rows:i.n,invalid:a.invalid,changed:b.length,iterations:m.iterations,cost:m.cost,durationMs:y,pendingLabel:o?m.labels[i.n-1]:null},state:g}}function Or(t,e){if(t.scaler===e)return t;let n=t.scaler?at(t.centers,t.scaler):t.centers;return{...t,centers:e?V(n,e):n,scaler:e}}function Mr(t,e,n,o,s){if(n.length===0)return;let r=t.columns.get(e.key_column),a=ot(t,e)??e.key_column,i=t.columns.get(a)?.type,l=i&&typeof s=="string"?` AND t.${T(a)} >= ${N(s)}::${i}`:"";U(`UPDATE ${t.sql} AS t SET ${T(e.cluster_number_column)} = u.l
       FROM ROWS FROM (pg_catalog.unnest(${z(n,r?.type??"text")}), pg_catalog.unnest(${z(o,"int4")})) AS u(k, l)
      WHERE t.${T(e.key_column)} = u.k${l}`)}function Dr(t,e,n,o){let s=o.cluster_count,{dist:r}=Z(t,e,s,o.distance_type),a=new Float64Array(s),i=new Float64Array(s);for(let l=0;l<t.n;l++){let c=n[l];a[c]=a[c]+r[l],i[c]=i[c]+1}for(let l=0;l<s;l++)a[l]=i[l]>0?a[l]/i[l]:0;return a}var ft=new Map;function Pr(t){let e=Ft(t);if(!e)return null;let n=X(t);lt(n,e,"insert");let o=It(t,e.cluster_count,e.clustering_columns.length);return{table:n,settings:e,state:o,rows:0,refused:null,onlineDirty:!1,labeler:zr(e,o),onlineStep:Ur(e,o)}}function jr(t){let e=t.settings.cluster_number_column,n=L(`SELECT current_user::text AS role, pg_catalog.has_table_privilege(${R(t.table.oid)}::oid, 'SELECT') AS can_select,
            pg_catalog.has_column_privilege(${R(t.table.oid)}::oid, ${N(e)}, 'UPDATE') AS can_update`);if(!n||n.can_select&&n.can_update)return;let o=[n.can_select?null:`SELECT on ${t.table.display}`,n.can_update?null:`UPDATE on its column ${e}`].filter(Boolean).join(" and ");throw new F(`pg_centroid: role "${n.role}" cannot insert into clustered table ${t.table.display}: it lacks ${o}`,`clustering on insert re-clusters with the inserting role's rights; the owner can run: GRANT SELECT, UPDATE (${T(e)}) ON ${t.table.sql} TO ${T(n.role)};`,"the window is read and changed cluster numbers are rewritten by the role that inserts, never with more rights than it has","42501")}function zr(t,e){return t.refit!=="statement"||!e?null:ue({centers:e.centers,k:e.k,d:e.d,distance:t.distance_type,scaler:e.scaler})}function Ur(t,e){return t.refit!=="online"||!e?null:ce({k:e.k,d:e.d,distance:t.distance_type,scaler:e.scaler,decay:t.decay})}function We(t){ft.delete(t);let e=Pr(t);return e&&(jr(e),ft.set(t,e)),null}function He(t,e){let n=ft.get(ae(t));if(!n)return null;let o=n.settings;o.refit!=="row"&&n.rows++;let s=-1;if(n.labeler)s=n.labeler(e);else if(n.onlineStep&&n.state)s=n.onlineStep(e,n.state.centers,n.state.counts),s>=0&&(n.onlineDirty=!0);else if(Be(e)){if(o.refit!=="row")return null;try{let r=mt(n.table,o,n.state,{x:Float64Array.from(e)});return n.state=r.state,r.outcome.pendingLabel}catch(r){if(!(r instanceof F))throw r;return n.refused??(n.refused=r),null}}return s>=0?s:(!Be(e)&&o.invalid_rows==="error"&&!n.refused&&(n.refused=qr(n,e)),null)}function Be(t){for(let e=0;e<t.length;e++){let n=t[e];if(typeof n!="number"||!Number.isFinite(n))return!1}return!0}function Ge(t){let e=ft.get(t);if(ft.delete(t),!e)return null;if(e.refused)throw e.refused;if(e.rows===0)return null;let n=e.settings;return n.refit==="statement"||n.refit==="online"&&!e.state?mt(e.table,n,e.state).outcome:(n.refit==="online"&&e.onlineDirty&&e.state&&je(t,e.state),null)}function qr(t,e){let n=t.settings,o=n.clustering_columns.map((s,r)=>`${s} = ${e[r]===null||e[r]===void 0?"NULL":String(e[r])}`).join(", ");return new F(`pg_centroid: a row of ${t.table.display} has a NULL, NaN or infinite clustering column (${o})`,`fix the row, or set "invalid_rows": "skip" in centroid.settings to keep such rows with a NULL ${n.cluster_number_column}`,"","22P02")}var Br=2e3,Wr=64,bt=16,Ke=new Map,Xe=new Map;function Ye(t,e,n,o){let s="";if(t>bt)s=e?`s = 0; for (let j = 0; j < ${t}; j++) s += abs(data[xo + j] - ${n}[${o} + j]);
`:`s = 0; for (let j = 0; j < ${t}; j++) { t = data[xo + j] - ${n}[${o} + j]; s += t * t; }
`;else for(let r=0;r<t;r++){let a=r===0?"=":"+=";s+=e?`s ${a} abs(x${r} - ${n}[${o} + ${r}]);
`:`t = x${r} - ${n}[${o} + ${r}]; s ${a} t * t;
`}return e?s:s+`s = sqrt(s);
`}function Hr(t,e,n){let o=t<=bt,s=`const sqrt = Math.sqrt; const abs = Math.abs; let t = 0; let s = 0;
`;if(o)for(let r=0;r<t;r++)s+=`let o${r} = 0;
`;if(s+=`for (let i = 0, xo = 0; i < n; i++, xo += ${t}) {
const c = labels[i]; const so = c * ${t};
counts[c]++;
`,o)for(let r=0;r<t;r++)s+=`const x${r} = data[xo + ${r}]; sums[so + ${r}] += x${r}; o${r} += x${r};
`;else s+=`for (let j = 0; j < ${t}; j++) { const v = data[xo + j]; sums[so + j] += v; overall[j] += v; }
`;if(n&&(s+=`${Ye(t,e,"centers","so")}if (s > max[c]) max[c] = s;
mean[c] += s;
`),s+=`}
`,o)for(let r=0;r<t;r++)s+=`overall[${r}] = o${r};
`;return s}function Gr(t,e,n,o){let s=`const sqrt = Math.sqrt; const abs = Math.abs; let t = 0; let s = 0;
`;for(let r=0;r<e;r++)s+=`let o${r} = 0;
`;for(let r=0;r<t;r++){s+=`let n${r} = 0; let M${r} = 0; let A${r} = 0;
`;for(let a=0;a<e;a++)s+=`let u${r}_${a} = 0;${o?` const c${r}_${a} = centers[${r*e+a}];`:""}
`}s+=`for (let i = 0, xo = 0; i < n; i++, xo += ${e}) {
const c = labels[i];
`;for(let r=0;r<e;r++)s+=`const x${r} = data[xo + ${r}]; o${r} += x${r};
`;for(let r=0;r<t;r++){s+=r===0?`if (c === 0) {
`:r===t-1?`} else {
`:`} else if (c === ${r}) {
`,s+=`n${r}++;
`;for(let a=0;a<e;a++)s+=`u${r}_${a} += x${a};
`;if(o){for(let a=0;a<e;a++){let i=a===0?"=":"+=";s+=n?`s ${i} abs(x${a} - c${r}_${a});
`:`t = x${a} - c${r}_${a}; s ${i} t * t;
`}n||(s+=`s = sqrt(s);
`),s+=`if (s > M${r}) M${r} = s;
A${r} += s;
`}}s+=`}
}
`;for(let r=0;r<e;r++)s+=`overall[${r}] = o${r};
`;for(let r=0;r<t;r++){s+=`counts[${r}] = n${r}; max[${r}] = M${r}; mean[${r}] = A${r};
`;for(let a=0;a<e;a++)s+=`sums[${r*e+a}] = u${r}_${a};
`}return s}function Kr(t,e,n){let o=e<=bt,s=`const sqrt = Math.sqrt; const abs = Math.abs; let t = 0; let s = 0; let a = 0;
const done = new Int32Array(${t});
`;if(o)for(let r=0;r<e;r++)s+=`const X${r} = cols[${r}];
`;else s+=`const data = xs;
`;if(s+=`for (let i = 0; i < m; i++) {
const li = ls[i]; const pi = pos[i]; const T = sums[li];
done[li]++;
`,o)for(let r=0;r<e;r++)s+=`const x${r} = X${r}[pi];
`;else s+=`const xo = pi * ${e};
`;if(s+=`for (let c = 0; c < ${t}; c++) {
const U = sums[c]; a = U[pi];
`,s+=`for (let p = first[c] + done[c], end = first[c] + counts[c]; p < end; p++) {
`,o){for(let r=0;r<e;r++){let a=r===0?"=":"+=";s+=n?`s ${a} abs(x${r} - X${r}[p]);
`:`t = x${r} - X${r}[p]; s ${a} t * t;
`}n||(s+=`s = sqrt(s);
`)}else s+=Ye(e,n,"xs",`p * ${e}`);return s+=`a += s; T[p] += s;
}
U[pi] = a;
}
}
`,s}function Xr(t,e,n,o){let s=e<=bt&&t*e<=Wr,r=`${s?t:0}x${e}:${n}:${o}`,a=Ke.get(r);if(!a){let i=n==="manhattan",l=s?Gr(t,e,i,o):Hr(e,i,o);a=new Function("data","n","labels","centers","counts","sums","overall","max","mean",l),Ke.set(r,a)}return a}function Yr(t,e,n){let o=`${t}x${e}:${n}`,s=Xe.get(o);return s||(s=new Function("cols","xs","ls","pos","first","counts","m","sums",Kr(t,e,n==="manhattan")),Xe.set(o,s)),s}function Jr(t,e,n,o,s){let{data:r,n:a,d:i}=t,l={counts:new Int32Array(o),sums:new Float64Array(o*i),overall:new Float64Array(i),max:new Float64Array(o),mean:new Float64Array(o)};Xr(o,i,s,n!==null)(r,a,e,n,l.counts,l.sums,l.overall,l.max,l.mean);let{counts:c,mean:u}=l;if(n)for(let m=0;m<o;m++)c[m]>0&&(u[m]=u[m]/c[m]);return l}function Vr(t,e,n){let o=new Int32Array(t);for(let r=0;r<t;r++)o[r]=r;if(e>=t)return o;let s=ut(n);for(let r=0;r<e;r++){let a=r+s.int(t-r),i=o[r];o[r]=o[a],o[a]=i}return o.subarray(0,e)}function Je(t,e,n,o,s={}){let{data:r,d:a}=t,i=Vr(t.n,s.sampleSize??Br,s.seed??0),l=i.length,c=new Int32Array(n);for(let w=0;w<l;w++){let $=e[i[w]];c[$]=c[$]+1}let u=0;for(let w=0;w<n;w++)c[w]>0&&u++;if(u<2||u>l-1)return NaN;let m=new Int32Array(l);for(let w=0;w<l;w++)m[w]=e[i[w]];let b=new Int32Array(n);for(let w=1;w<n;w++)b[w]=b[w-1]+c[w-1];let d=b.slice(),f=new Int32Array(l);for(let w=0;w<l;w++){let $=m[w];f[w]=d[$],d[$]=d[$]+1}let g=a<=bt,y=g?Array.from({length:a},()=>new Float64Array(l)):[],p=g?new Float64Array(0):new Float64Array(l*a);for(let w=0;w<l;w++){let $=i[w],_=f[w];for(let x=0;x<a;x++){let E=r[$*a+x];g?y[x][_]=E:p[_*a+x]=E}}let h=Array.from({length:n},()=>new Float64Array(l));Yr(n,a,o)(y,p,m,f,b,c,l,h);let A=0;for(let w=0;w<l;w++){let $=m[w],_=c[$];if(_<2)continue;let x=f[w],E=h[$][x]/(_-1),I=1/0;for(let C=0;C<n;C++)C===$||c[C]===0||(I=Math.min(I,h[C][x]/c[C]));let O=Math.max(E,I);O>0&&(A+=(I-E)/O)}return A/l}function Qr(t,e,n,o,s,r){let a=0,i=0;for(let l=0;l<o;l++){if(t[l]===0)continue;i++;let c=0;for(let u=0;u<o;u++){if(u===l||t[u]===0)continue;let m=P(r,n,l*s,n,u*s,s);m>0&&(c=Math.max(c,(e[l]+e[u])/m))}a+=c}return i<2?NaN:a/i}function Zr(t,e,n,o){let{data:s,n:r,d:a}=t,{counts:i,overall:l}=o,c=o.sums.slice(),u=0;for(let f=0;f<n;f++){let g=i[f];g>0&&u++;for(let y=0;y<a;y++)c[f*a+y]=g>0?c[f*a+y]/g:0}let m=new Float64Array(a);for(let f=0;f<a;f++)m[f]=l[f]/r;if(u<2||u>r-1)return NaN;let b=0;for(let f=0;f<n;f++)b+=i[f]*tt(c,f*a,m,0,a);let d=Y(n,a).cost(s,r,c,e);return d===0?1:b/(u-1)/(d/(r-u))}function Ve(t,e,n,o,s){let r=Jr(t,e,n,o,s);return{sizes:r.counts,radii:{max:r.max,mean:r.mean},daviesBouldin:Qr(r.counts,r.mean,n,o,t.d,s),calinskiHarabasz:Zr(t,e,o,r)}}var dt="pg_temp.centroid_fit_keys",to=3e7,eo=/^\s*(\(|select\b|with\b|values\b|table\b)/i,Qe=new Set(["r","p"]),no=new Set(["r","p","v","m","f"]);function Ze(t){let e=L(`SELECT c.oid::int8 AS oid, c.relkind::text AS kind FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(${N(t)})`);return e?{oid:Number(e.oid),kind:e.kind}:null}function Rt(t){if(typeof t!="string"||t.trim()==="")throw new F("pg_centroid: source is empty","give a table, view or materialized view name, or a SELECT statement, e.g. 'customer_features'");if(eo.test(t))return{sql:`(${t.trim().replace(/;+\s*$/,"")}) AS src`,display:"the query",table:null,kind:null};let e=Ze(t);if(!e)throw new F(`pg_centroid: source "${t}" is neither a table, view or materialized view, nor a SELECT statement`,"check the name and the search_path, or write the source as SELECT ... FROM ...");if(!no.has(e.kind))throw new F(`pg_centroid: source "${t}" is not a table, view or materialized view (relkind ${e.kind})`,"read from a table or view, or write the source as a SELECT statement");let n=X(e.oid);return{sql:n.sql,display:n.display,table:n,kind:e.kind}}function tn(t,e){if(t.cluster_number_column===null){if(t.output_table!==null)throw new F("pg_centroid setting output_table: it is given but cluster_number_column is missing",'add "cluster_number_column": "<integer column of the output table>", or remove output_table');return null}let n;if(t.output_table!==null){let o=Ze(t.output_table);if(!o||!Qe.has(o.kind))throw new F(`pg_centroid setting output_table: "${t.output_table}" is not a table`,"name an existing table (schema-qualified if it is not on the search_path) that has the key column and an integer cluster number column");n=X(o.oid)}else if(e.table&&e.kind!==null&&Qe.has(e.kind))n=e.table;else throw new F(`pg_centroid setting output_table is missing: ${e.display} is not a table, so labels need a table to go to`,'add "output_table": "<table with the key column and the cluster number column>", e.g. "customers"');return ro(n),oo(n,t),n}function ro(t){if(!L(`SELECT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE') AS owns FROM pg_catalog.pg_class c WHERE c.oid = ${R(t.oid)}::oid`)?.owns)throw new F(`pg_centroid: permission denied to write cluster numbers into ${t.display}: only its owner may`,`run the fit as the owner of ${t.display}, or leave out cluster_number_column to fit without writing labels`,"","42501")}function oo(t,e){let n=()=>[...t.columns.keys()].join(", ");if(!t.columns.has(e.key_column))throw new F(`pg_centroid setting key_column: column "${e.key_column}" does not exist in output table ${t.display}`,`columns of ${t.display}: ${n()}`);let o=t.columns.get(e.cluster_number_column);if(!o)throw new F(`pg_centroid setting cluster_number_column: column "${e.cluster_number_column}" does not exist in output table ${t.display}`,`ALTER TABLE ${t.sql} ADD COLUMN ${T(e.cluster_number_column)} integer`);if(!o.integer)throw new F(`pg_centroid setting cluster_number_column: column "${o.name}" of ${t.display} is ${o.type}, not an integer`,`ALTER TABLE ${t.sql} ALTER COLUMN ${T(o.name)} TYPE integer`)}function Lt(t,e,n){let o=t.table;if(!o)return;let s=(r,a)=>{let i=o.columns.get(a);if(!i)throw new F(`pg_centroid setting ${r}: column "${a}" does not exist in ${o.display}`,`columns of ${o.display}: ${[...o.columns.keys()].join(", ")}`);return i};n&&s("key_column",e.key_column);for(let r of e.clustering_columns){let a=s("clustering_columns",r);if(!a.numeric)throw new F(`pg_centroid setting clustering_columns: column "${r}" of ${o.display} is ${a.type}, not a number`,"cluster on numeric columns (smallint, integer, bigint, real, double precision, numeric)")}}function so(t,e,n){let o=n.columns.get(e.key_column)?.type??"text",s=t.table?.columns.get(e.key_column)?.type,r=T(e.key_column);return{sql:s===o?r:`${r}::text::${o}`,type:o}}function ao(){return L("SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMPORARY') AS ok")?.ok===!0}function kt(t,e,n){let o=e.clustering_columns.length,s=Math.floor(to/(o+1)),r=e.clustering_columns.map((h,A)=>`${T(h)}::float8 AS c${A}`).join(", "),a=e.clustering_columns.map((h,A)=>`array_agg(c${A}) AS c${A}`).join(", "),i=e.clustering_columns.map((h,A)=>`c${A}`).join(", "),l=h=>`SELECT ${h}${r} FROM ${t.sql} LIMIT ${R(s+1)}`,c,u=!1;if(n===null)c=`SELECT count(*)::int8 AS n, ${a} FROM (${l("")}) r`;else if(ao()){let h=so(t,e,n);U(`DROP TABLE IF EXISTS ${dt}`),U(`CREATE TEMPORARY TABLE ${dt.slice(8)} (keys ${h.type}[]) ON COMMIT DROP`),U(`ALTER TABLE ${dt} ALTER COLUMN keys SET STORAGE EXTERNAL`),c=`WITH r AS (${l(`${h.sql} AS k, `)}),
         a AS (SELECT count(*)::int8 AS n, array_agg(k) AS keys, ${a} FROM r),
         w AS (INSERT INTO ${dt} (keys) SELECT keys FROM a)
       SELECT n, ${i} FROM a`,u=!0}else c=`SELECT count(*)::int8 AS n, array_agg(k) AS keys, ${a} FROM (${l(`${T(e.key_column)}::text AS k, `)}) r`;let m=L(c),b=Number(m?.n??0);if(b>s)throw new F(`pg_centroid: ${t.display} has more than ${s} rows, more than a fit reads into memory at ${o} features`,`fit on a sample: SELECT ... FROM ${t.display} TABLESAMPLE SYSTEM (10), then write labels with centroid.predict`);let d=e.clustering_columns.map((h,A)=>m?.[`c${A}`]??[]),f=new Float64Array(b*o),g=new Int32Array(b),y=0;for(let h=0;h<b;h++){let A=!0;for(let w=0;w<o&&A;w++){let $=d[w][h];typeof $!="number"||!Number.isFinite($)?A=!1:f[y*o+w]=$}g[h]=A?y++:-1}let p=n===null?null:u?{table:dt}:{text:m?.keys??[]};return{points:{data:f.subarray(0,y*o),n:y,d:o},keys:p,index:g,skipped:b-y}}function en(t,e,n,o){let s=n.keys,r=n.index.length;if(s===null||r===0)return null;let a=new Int32Array(r);for(let c=0;c<r;c++){let u=n.index[c];a[c]=u<0?-1:o[u]}let i=`pg_catalog.unnest(${z(a,"int4")})`;if("table"in s)return`SELECT pg_catalog.unnest(f.keys) AS k, ${i} AS l FROM ${s.table} f`;let l=t.columns.get(e.key_column)?.type??"text";return`SELECT pg_catalog.unnest(${z(s.text,"text")}::${l}[]) AS k, ${i} AS l`}function nn(t,e,n,o,s){let r=new Float64Array(s*s),a=en(t,e,n,o);if(a===null)return r;let i=T(e.cluster_number_column);for(let l of K(`SELECT u.l AS j, t.${i}::int4 AS c, count(*) AS n FROM ${t.sql} AS t JOIN (${a}) AS u ON t.${T(e.key_column)} = u.k
      WHERE u.l >= 0 AND t.${i} BETWEEN 0 AND ${R(s-1)} GROUP BY 1, 2`))r[l.j*s+l.c]=Number(l.n);return r}function rn(t,e,n,o){let s=n.keys;if(s===null)return 0;let r=en(t,e,n,o),a=T(e.cluster_number_column),i=r===null?0:U(`UPDATE ${t.sql} AS t SET ${a} = u.l FROM (SELECT z.k, NULLIF(z.l, -1) AS l FROM (${r}) AS z) AS u
          WHERE t.${T(e.key_column)} = u.k AND t.${a} IS DISTINCT FROM u.l`);return"table"in s&&U(`DROP TABLE ${s.table}`),i}var io=1e3,lo=1836016748;function Xt(t){return Number.isFinite(t)?t:null}function co(t,e,n){return Array.from({length:e},(o,s)=>Array.from({length:n},(r,a)=>t[s*n+a]))}function sn(t){if(typeof t!="string"||t.trim()===""||t.length>200)throw new F(`pg_centroid: model name must be text of 1 to 200 characters, not ${JSON.stringify(t)}`,"name the model, e.g. 'customer_segments'");return t}function Jt(t,e,n,o){let{n:s}=t.points;if(s<n)throw new F(`pg_centroid: ${o} has ${s} rows with valid features (${t.skipped} left out for NULL, NaN or infinite values), fewer than cluster_count ${n}`,s>0?`lower cluster_count to at most ${s}, or add rows`:"the source has no rows with all clustering columns set: check its query and columns");let r=J(t.points,n);if(r<n)throw new F(`pg_centroid: ${o} has only ${r} distinct rows, fewer than cluster_count ${n}`,`lower cluster_count to at most ${r}`);if(e.standardize==="none")return{rows:t,points:t.points,scaler:null};let a=Et(t.points);return{rows:t,points:{...t.points,data:V(t.points.data,a)},scaler:a}}function Vt(t,e,n,o,s=io){let{k:r,centers:a,labels:i}=e,l=Ve(t,i,a,r,n);return{inertia:e.cost,silhouette:Xt(Je(t,i,r,n,{sampleSize:s,seed:o})),silhouette_sample:Math.min(s,t.n),davies_bouldin:Xt(l.daviesBouldin),calinski_harabasz:Xt(l.calinskiHarabasz),cluster_sizes:Array.from(e.sizes),radii:Array.from(l.radii.mean)}}function uo(t){let e=L(`SELECT o.owner, centroid._member_of(o.owner) AS allowed FROM (SELECT centroid._model_owner(${N(t)}) AS owner) o`);if(e&&e.owner!==null&&!e.allowed)throw new F(`pg_centroid: model "${t}" belongs to role ${e.owner}`,"choose another model name, or fit it as that role","","42501")}function an(t,e,n){let o=D(),s=sn(t),r=H(n,"fit"),a=Rt(e),i=tn(r,a);Lt(a,r,i!==null),uo(s),L(`SELECT pg_catalog.pg_advisory_xact_lock(${R(lo)}::int4, pg_catalog.hashtext(${N(s)}))`);let l=D(),c=kt(a,r,i),u=Jt(c,r,r.cluster_count,a.display),m=D(),b=G(u.points,Q(r,null)),d=D(),f=i?xt(b,Me(nn(i,r,c,b.labels,b.k),b.k)):b,g=D(),y=Vt(u.points,f,r.distance_type,r.seed),p=D(),h=i?rn(i,r,c,f.labels):0,A={read_ms:m-l,fit_ms:d-m,renumber_ms:g-d,metrics_ms:p-g,write_ms:D()-p},w=u.scaler?at(f.centers,u.scaler):f.centers,$=D()-o,_=mo(s,e,r,i?.display??null,f,w,u.scaler,y,c,$);return{model:s,version:_,rows_used:u.points.n,rows_skipped:c.skipped,k:f.k,algorithm:f.algorithmUsed??r.clustering_algorithm,cost:f.cost,iterations:f.iterations,converged:f.converged,duration_ms:$,timings:A,centroids:co(w,f.k,f.d),standardization:u.scaler?{means:Array.from(u.scaler.means),scales:Array.from(u.scaler.scales)}:null,metrics:y,output_table:i?.display??null,labels_changed:h}}function mo(t,e,n,o,s,r,a,i,l,c){let u=a?{means:Array.from(a.means),scales:Array.from(a.scales)}:null,m={...n,output_table:o},b=L(`INSERT INTO centroid.models (model, version, source, config, centroids, standardization, cost, iterations, metrics, rows_used, rows_skipped, duration_ms)
     SELECT ${N(t)}, coalesce(max(m.version), 0) + 1, ${N(e)}, ${N(JSON.stringify(m))}::jsonb,
            ${it(r,s.k,s.d)}, ${u?N(JSON.stringify(u))+"::jsonb":"NULL"},
            ${q(s.cost)}, ${R(s.iterations)}, ${N(JSON.stringify(i))}::jsonb,
            ${R(s.labels.length)}, ${R(l.skipped)}, ${q(c)}
       FROM centroid.models m WHERE m.model = ${N(t)}
     RETURNING version`);return Number(b?.version)}var on=new Map;function fo(t){let e=L(`SELECT version::text || '@' || created_at::text AS stamp, centroids, standardization, config->>'distance_type' AS distance,
            pg_catalog.array_length(centroids, 2) AS d
       FROM centroid.models WHERE model = ${N(t)} ORDER BY version DESC LIMIT 1`);if(!e)throw new F(`pg_centroid: model "${t}" does not exist`,`fit it first: SELECT centroid.fit(${N(t)}, '<source>', '{...}')`);let n=on.get(t);if(n&&n.stamp===e.stamp)return n;let o=Number(e.d),s=Float64Array.from(e.centroids,Number),r=e.standardization?{means:Float64Array.from(e.standardization.means),scales:Float64Array.from(e.standardization.scales)}:null,a={stamp:e.stamp,k:s.length/o,d:o,centers:r?V(s,r):s,scaler:r,distance:e.distance==="manhattan"?"manhattan":"euclidean"};return on.set(t,a),a}function bo(t,e){let n=fo(sn(t));if(!Array.isArray(e)||e.length!==n.d)throw new F(`pg_centroid: model "${t}" expects ${n.d} features, not ${Array.isArray(e)?e.length:0}`,`pass one number per clustering column, in the order of clustering_columns: ARRAY[${Array.from({length:n.d},(a,i)=>`x${i+1}`).join(", ")}]`);let o=new Float64Array(n.d);for(let a=0;a<n.d;a++){let i=e[a];if(typeof i!="number"||!Number.isFinite(i))return null;o[a]=n.scaler?(i-n.scaler.means[a])/n.scaler.scales[a]:i}let s=0,r=1/0;for(let a=0;a<n.k;a++){let i=0;for(let l=0;l<n.d;l++){let c=o[l]-n.centers[a*n.d+l];i+=n.distance==="manhattan"?Math.abs(c):c*c}i<r&&(r=i,s=a)}return s}function ln(t){return H(t,"fit"),{ok:!0}}var Yt=null;function cn(t,e){let n=B(()=>bo(t,e));return re(n)?(Yt=n,-1):n}function un(){let t=Yt;return Yt=null,t}var mn=50;function go(t,e){let n=t.length;if(n<3)return null;let o=t[0],s=t[n-1],r=e[0],a=e[n-1];if(!(r>a))return null;let i=null,l=0;for(let c=1;c<n-1;c++){let u=(t[c]-o)/(s-o),m=(e[c]-a)/(r-a),b=1-u-m;b>l&&(l=b,i=t[c])}return i}function fn(t,e,n,o){let s=D();if(!Number.isInteger(n)||!Number.isInteger(o)||n<2||o<n||o-n+1>mn)throw new F(`pg_centroid: k_min ${n} and k_max ${o} must satisfy 2 <= k_min <= k_max and at most ${mn} values`,"try k_min => 2, k_max => 10");let r=e!==null&&typeof e=="object"&&!Array.isArray(e)?e:{},{cluster_number_column:a,output_table:i,...l}=r,c=H({...l,cluster_count:o},"fit"),u=Rt(t);Lt(u,c,!1);let m=kt(u,c,null),b=Jt(m,c,o,u.display),d=[];for(let p=n;p<=o;p++){let h={...c,cluster_count:p},A=G(b.points,Q(h,null)),w=Vt(b.points,A,c.distance_type,c.seed);d.push({k:p,cost:A.cost,silhouette:w.silhouette,davies_bouldin:w.davies_bouldin,calinski_harabasz:w.calinski_harabasz,iterations:A.iterations})}let f=null,g=-1/0;for(let p of d)p.silhouette!==null&&p.silhouette>g&&(g=p.silhouette,f=p.k);let y=go(d.map(p=>p.k),d.map(p=>p.cost));return{recommended:f??y??n,by_silhouette:f,by_elbow:y,rows_used:b.points.n,rows_skipped:m.skipped,duration_ms:D()-s,candidates:d}}function po(t,e){return B(()=>{let n=H(e,"insert");return lt(X(t),n,"insert"),{settings:n}})}function yo(t){return B(()=>{let e=Ft(t);if(!e)throw new F(`pg_centroid: table with oid ${t} is not clustered`,"INSERT INTO centroid.settings (table_name, config) VALUES (...) first, or use centroid.attach()");let n=X(t);lt(n,e,"insert");let o=It(t,e.cluster_count,e.clustering_columns.length);return mt(n,e,o).outcome})}var bn={validateSettings:po,refit:yo,beforeStatement:t=>B(()=>We(t)),afterStatement:t=>B(()=>Ge(t)),label:He,fit:(t,e,n)=>JSON.stringify(B(()=>an(t,e,n))),chooseK:(t,e,n,o)=>JSON.stringify(B(()=>fn(t,e,n,o))),checkFitConfig:t=>B(()=>ln(t)),predict:cn,takePredictError:un};globalThis.__pg_centroid_0_2_0=bn;})();

$pg_centroid_js$);
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._validate_settings(relid oid, config jsonb) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.validateSettings(relid, config);$pg_centroid_js$);
CREATE OR REPLACE FUNCTION centroid._companions(relid oid, config jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  rel text;
  want record;
  old_label oid;
  label_fn text := pg_catalog.format('centroid.%I', '_label_' || relid::text);
BEGIN
  -- The label trigger is made anew with every settings change (columns may have changed).
  SELECT tg.tgfoid INTO old_label FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = relid AND tg.tgname = 'centroid_label';
  IF old_label IS NOT NULL THEN
    EXECUTE pg_catalog.format('DROP TRIGGER centroid_label ON %s', relid::regclass);
  END IF;
  IF old_label IS NOT NULL AND EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.oid = old_label AND p.pronamespace = 'centroid'::regnamespace AND p.proname LIKE '\_label\_%') THEN
    EXECUTE pg_catalog.format('DROP FUNCTION %s', old_label::regprocedure);
  END IF;
  EXECUTE pg_catalog.format('DROP FUNCTION IF EXISTS %s()', label_fn);
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = relid) THEN
    RETURN;
  END IF;
  rel := relid::regclass::text;
  IF config IS NOT NULL THEN
    -- (The keyword is a parameter so build.mjs, which replays every function of sql/ in update
    -- scripts, does not take this string for a function of the extension.)
    EXECUTE pg_catalog.format(
      'CREATE %s %s() RETURNS trigger LANGUAGE plpgsql AS %L', 'FUNCTION',
      label_fn,
      pg_catalog.format('BEGIN NEW.%I := centroid._label(TG_RELID, ARRAY[%s]::float8[]); RETURN NEW; END',
        config->>'cluster_number_column',
        (SELECT pg_catalog.string_agg(pg_catalog.format('NEW.%I', c), ', ' ORDER BY i)
           FROM pg_catalog.jsonb_array_elements_text(config->'clustering_columns') WITH ORDINALITY AS t(c, i))));
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s() IS %L', label_fn,
      'pg_centroid: label trigger of ' || rel || ', generated from its settings; dropped with them');
    EXECUTE pg_catalog.format('CREATE TRIGGER centroid_label BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION %s()', rel, label_fn);
  END IF;
  FOR want IN
    SELECT * FROM (VALUES
      ('centroid_before_insert', 'BEFORE INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION centroid._before_insert()', config IS NOT NULL),
      ('centroid_after_insert', 'AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION centroid._after_insert()', config IS NOT NULL)
    ) AS t(name, definition, present)
  LOOP
    IF want.present AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = relid AND tgname = want.name) THEN
      EXECUTE pg_catalog.format('CREATE TRIGGER %I ', want.name) || pg_catalog.format(want.definition, rel);
    ELSIF NOT want.present AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = relid AND tgname = want.name) THEN
      EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', want.name, rel);
    END IF;
  END LOOP;
END $$;
CREATE OR REPLACE FUNCTION centroid._settings_before() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  owner oid;
  kind "char";
BEGIN
  SELECT relowner, relkind INTO owner, kind FROM pg_catalog.pg_class WHERE oid = NEW.table_name;
  IF kind NOT IN ('r', 'p') THEN
    RAISE EXCEPTION 'pg_centroid: % is not a table', NEW.table_name
      USING HINT = 'clustering on insert works on tables and hypertables; for views use centroid.fit()', ERRCODE = '42809';
  END IF;
  IF NOT pg_catalog.pg_has_role(current_user, owner, 'USAGE') THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can configure its clustering', NEW.table_name
      USING HINT = 'ask the table''s owner, or a superuser, to write this settings row', ERRCODE = '42501';
  END IF;
  PERFORM centroid._raise(centroid._validate_settings(NEW.table_name, NEW.config));
  IF TG_OP = 'UPDATE' AND (OLD.table_name <> NEW.table_name OR
       (SELECT bool_or(OLD.config->k IS DISTINCT FROM NEW.config->k)
          FROM unnest(ARRAY['clustering_columns', 'cluster_count', 'distance_type', 'clustering_algorithm', 'starting_centers', 'center_choice', 'standardize']) AS k)) THEN
    -- The stored centroids no longer describe what is clustered: start again.
    DELETE FROM centroid.state WHERE table_name = OLD.table_name;
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION centroid._settings_after() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- A restore brings the companion triggers from the dump; creating them here would make it fail.
  IF current_setting('application_name') = 'pg_restore' OR current_setting('timescaledb.restoring', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND (TG_OP = 'DELETE' OR OLD.table_name <> NEW.table_name) THEN
    PERFORM centroid._companions(OLD.table_name, NULL);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM centroid._companions(NEW.table_name, NEW.config);
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION centroid._on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM centroid.settings s
   USING pg_catalog.pg_event_trigger_dropped_objects() d
   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 AND s.table_name::oid = d.objid;
END $$;
CREATE OR REPLACE FUNCTION centroid._on_create_trigger() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t record;
BEGIN
  FOR t IN
    SELECT tg.tgname, tg.tgrelid::regclass AS rel, tg.tgtype
      FROM pg_catalog.pg_event_trigger_ddl_commands() c
      JOIN pg_catalog.pg_trigger tg ON tg.oid = c.objid
     WHERE c.classid = 'pg_catalog.pg_trigger'::regclass
       AND tg.tgfoid = 'centroid.cluster_on_insert()'::regprocedure
  LOOP
    -- tgtype bits: 1 = row, 2 = before, 4 = insert, 8 = delete, 16 = update, 32 = truncate, 64 = instead.
    IF t.tgtype & 1 = 0 OR t.tgtype & 2 = 0 OR t.tgtype & (8 | 16 | 32 | 64) <> 0 THEN
      RAISE EXCEPTION 'pg_centroid: trigger % on % must be BEFORE INSERT ... FOR EACH ROW', t.tgname, t.rel
        USING HINT = pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert();', t.tgname, t.rel),
              ERRCODE = '42P17';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM centroid.settings WHERE table_name = t.rel) THEN
      RAISE NOTICE 'pg_centroid: table % has no clustering settings yet', t.rel
        USING DETAIL = 'rows are inserted without a cluster number until settings exist',
              HINT = 'INSERT INTO centroid.settings (table_name, config) VALUES (...)';
    END IF;
  END LOOP;
END $$;
CREATE OR REPLACE FUNCTION centroid.cluster_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_WHEN <> 'BEFORE' OR TG_LEVEL <> 'ROW' OR TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'pg_centroid: trigger % on % must be BEFORE INSERT ... FOR EACH ROW', TG_NAME, TG_TABLE_NAME
      USING ERRCODE = '42P17',
            HINT = pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT ON %I.%I FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert();', TG_NAME, TG_TABLE_SCHEMA, TG_TABLE_NAME);
  END IF;
  RETURN NEW;
END $$;
COMMENT ON FUNCTION centroid.cluster_on_insert() IS
  'pg_centroid: BEFORE INSERT FOR EACH ROW trigger of a clustered table (settings in centroid.settings); its label trigger gives each new row its cluster number';
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._label(relid oid, features float8[]) RETURNS int4$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.label(relid, features);$pg_centroid_js$);
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._before_statement(relid oid) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.beforeStatement(relid);$pg_centroid_js$);
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._after_statement(relid oid) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.afterStatement(relid);$pg_centroid_js$);
CREATE OR REPLACE FUNCTION centroid._rethrow(detail text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  first text := pg_catalog.regexp_replace(pg_catalog.split_part(detail, E'\n', 1), '^[A-Za-z]*Error: ', '');
BEGIN
  IF first = 'interrupted' OR first LIKE 'canceling statement%' THEN
    RAISE EXCEPTION 'pg_centroid: clustering was interrupted (statement_timeout or a cancel request)'
      USING ERRCODE = '57014', DETAIL = detail,
            HINT = 'raise statement_timeout for this work, or make refits shorter: lower maximum_data_count or max_iterations in centroid.settings';
  END IF;
  RAISE EXCEPTION 'pg_centroid: %', first USING ERRCODE = 'XX000', DETAIL = detail;
END $$;
CREATE OR REPLACE FUNCTION centroid._statement(relid oid, is_before bool) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  message text;
  detail text;
BEGIN
  IF is_before THEN
    PERFORM centroid._raise(centroid._before_statement(relid));
  ELSE
    PERFORM centroid._raise(centroid._after_statement(relid));
  END IF;
EXCEPTION WHEN internal_error THEN
  GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
  IF message <> 'execution error' THEN RAISE; END IF;
  PERFORM centroid._rethrow(detail);
END $$;
CREATE OR REPLACE FUNCTION centroid._before_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM centroid._statement(TG_RELID, true);
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION centroid._after_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM centroid._statement(TG_RELID, false);
  RETURN NULL;
END $$;
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._refit(relid oid) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.refit(relid);$pg_centroid_js$);
CREATE OR REPLACE FUNCTION centroid.refit(table_name regclass) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result jsonb;
BEGIN
  IF NOT pg_catalog.pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = table_name), 'USAGE') THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can refit it', table_name
      USING ERRCODE = '42501', HINT = 'ask the table''s owner, or a superuser, to run centroid.refit';
  END IF;
  result := centroid._refit(table_name);
  PERFORM centroid._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.refit(regclass) IS
  'pg_centroid: re-clusters the table''s window now, writes changed cluster numbers and stores the new centroids';
CREATE OR REPLACE FUNCTION centroid._refit_job_name(table_name regclass) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT 'pg_centroid refit table ' || pg_catalog.current_database() || ' ' || table_name::text $$;
CREATE OR REPLACE FUNCTION centroid.schedule_refit(table_name regclass, schedule text) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  job text := centroid._refit_job_name(table_name);
  command text;
  job_id text;
BEGIN
  IF NOT centroid._owns(table_name) THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can schedule its refits', table_name
      USING ERRCODE = '42501', HINT = 'ask the table''s owner, or a superuser, to run centroid.schedule_refit';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM centroid.settings s WHERE s.table_name = schedule_refit.table_name) THEN
    RAISE EXCEPTION 'pg_centroid: table % is not clustered', table_name
      USING ERRCODE = '22023', HINT = 'write its settings first: SELECT centroid.attach(table, config)';
  END IF;
  command := pg_catalog.format('SELECT centroid.refit(%L::regclass)', pg_catalog.format('%I.%I', n.nspname, c.relname))
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = table_name;
  job_id := centroid._in_cron_database(pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L)::text',
    job, schedule, command, pg_catalog.current_database()));
  RETURN pg_catalog.jsonb_build_object('job_name', job, 'job_id', job_id::int8, 'schedule', schedule, 'command', command,
    'cron_database', pg_catalog.current_setting('cron.database_name', true));
END $$;
COMMENT ON FUNCTION centroid.schedule_refit(regclass, text) IS
  'pg_centroid: registers a pg_cron job that runs centroid.refit on the table on a schedule (cron syntax, or ''N seconds'')';
CREATE OR REPLACE FUNCTION centroid.unschedule_refit(table_name regclass) RETURNS bool
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN centroid._unschedule_job(centroid._refit_job_name(table_name));
END $$;
COMMENT ON FUNCTION centroid.unschedule_refit(regclass) IS
  'pg_centroid: removes the pg_cron job of centroid.schedule_refit for the table; false when there was none';
CREATE OR REPLACE FUNCTION centroid._member_of(role_name name) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT role_name = current_user OR EXISTS (
    SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = role_name AND pg_catalog.pg_has_role(current_user, r.oid, 'USAGE'))
$$;
CREATE OR REPLACE FUNCTION centroid._model_owner(model_name text) RETURNS name
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT m.owner FROM centroid.models m WHERE m.model = model_name ORDER BY m.version DESC LIMIT 1
$$;
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._fit(model text, source text, config jsonb) RETURNS text$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.fit(model, source, config);$pg_centroid_js$);
CREATE OR REPLACE FUNCTION centroid.fit(model text, source text, config jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  result jsonb;
BEGIN
  result := centroid._fit(model, source, config)::jsonb;
  PERFORM centroid._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.fit(text, text, jsonb) IS
  'pg_centroid: clusters a table, view, materialized view or SELECT; writes cluster numbers in one UPDATE when cluster_number_column is set; registers a new model version; returns its summary';
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._choose_k(source text, config jsonb, k_min int4, k_max int4) RETURNS text$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.chooseK(source, config, k_min, k_max);$pg_centroid_js$);
CREATE OR REPLACE FUNCTION centroid.choose_k(source text, config jsonb, k_min int4 DEFAULT 2, k_max int4 DEFAULT 10) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  result jsonb;
BEGIN
  result := centroid._choose_k(source, config, k_min, k_max)::jsonb;
  PERFORM centroid._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.choose_k(text, jsonb, int4, int4) IS
  'pg_centroid: fits every k from k_min to k_max and recommends one by silhouette, with the elbow of the cost curve (writes nothing)';
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._predict(model text, features float8[]) RETURNS int4$pg_centroid_sql$, $pg_centroid_sql$STABLE$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.predict(model, features);$pg_centroid_js$);
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._take_predict_error() RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.takePredictError();$pg_centroid_js$);
CREATE OR REPLACE FUNCTION centroid.predict(model text, features float8[]) RETURNS int4
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  label int4;
BEGIN
  label := centroid._predict(model, features);
  IF label < 0 THEN
    PERFORM centroid._raise(centroid._take_predict_error());
  END IF;
  RETURN label;
END $$;
COMMENT ON FUNCTION centroid.predict(text, float8[]) IS
  'pg_centroid: the nearest cluster of the latest version of the model (features standardized the way it was); NULL when a feature is NULL, NaN or infinite';
SELECT centroid._define_js($pg_centroid_sql$CREATE OR REPLACE FUNCTION centroid._check_fit_config(config jsonb) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_2_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_2_0);
return API.checkFitConfig(config);$pg_centroid_js$);
CREATE OR REPLACE FUNCTION centroid._conninfo_value(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '''' || pg_catalog.replace(pg_catalog.replace(v, '\', '\\'), '''', '\''') || '''' $$;
CREATE OR REPLACE FUNCTION centroid._in_cron_database(statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  cron_db text := pg_catalog.current_setting('cron.database_name', true);
  dblink_schema name;
  conn text;
  result text;
BEGIN
  IF cron_db IS NULL THEN
    RAISE EXCEPTION 'pg_centroid: pg_cron is not loaded in this server, so refits cannot be scheduled'
      USING ERRCODE = '55000',
            HINT = 'add pg_cron to shared_preload_libraries, set cron.database_name, restart PostgreSQL and run CREATE EXTENSION pg_cron in that database; or call centroid.fit from another scheduler';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    EXECUTE statement INTO result;
    RETURN result;
  END IF;
  IF cron_db = pg_catalog.current_database() THEN
    RAISE EXCEPTION 'pg_centroid: pg_cron is loaded but its extension is not created in this database'
      USING ERRCODE = '55000', HINT = 'run CREATE EXTENSION pg_cron; then call this again';
  END IF;
  SELECT n.nspname INTO dblink_schema FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'dblink';
  IF dblink_schema IS NULL THEN
    RAISE EXCEPTION 'pg_centroid: pg_cron runs in database "%", not in this database ("%"), and dblink is not installed here to reach it', cron_db, pg_catalog.current_database()
      USING ERRCODE = '55000',
            HINT = pg_catalog.format('run CREATE EXTENSION dblink; here and call this again (pg_centroid then registers the job in %s itself), or connect to database %s and run: %s', cron_db, cron_db, statement);
  END IF;
  conn := pg_catalog.format('dbname=%s host=%s port=%s user=%s',
    centroid._conninfo_value(cron_db),
    centroid._conninfo_value(coalesce(nullif(pg_catalog.current_setting('cron.host', true), ''), 'localhost')),
    pg_catalog.current_setting('port'),
    centroid._conninfo_value(current_user));
  EXECUTE pg_catalog.format('SELECT v FROM %I.dblink($1, $2) AS t(v text)', dblink_schema) INTO result USING conn, statement;
  RETURN result;
END $$;
CREATE OR REPLACE FUNCTION centroid._job_name(model text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT 'pg_centroid refit ' || pg_catalog.current_database() || ' ' || model $$;
CREATE OR REPLACE FUNCTION centroid.schedule_fit(model text, source text, config jsonb, schedule text, refresh text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  job text := centroid._job_name(model);
  view_oid oid;
  refresh_sql text := '';
  command text;
  statement text;
  job_id text;
BEGIN
  PERFORM centroid._raise(centroid._check_fit_config(config));
  IF refresh IS NOT NULL THEN
    SELECT c.oid INTO view_oid FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(refresh) AND c.relkind = 'm';
    IF view_oid IS NULL THEN
      RAISE EXCEPTION 'pg_centroid: refresh "%" is not a materialized view', refresh
        USING ERRCODE = '22023', HINT = 'name the materialized view to refresh before each refit, or pass NULL';
    END IF;
    -- CONCURRENTLY keeps the view readable during the refresh but needs a plain unique index.
    refresh_sql := 'REFRESH MATERIALIZED VIEW '
      || CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = view_oid AND i.indisunique
                             AND i.indpred IS NULL AND 0 <> ALL (i.indkey::int2[])) THEN 'CONCURRENTLY ' ELSE '' END
      || (SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = view_oid) || '; ';
  END IF;
  command := pg_catalog.format('SET search_path TO %s; %sSELECT centroid.fit(%L, %L, %L::jsonb)',
    coalesce(nullif(pg_catalog.current_setting('search_path'), ''), 'pg_catalog'), refresh_sql, model, source, config);
  statement := pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L)::text', job, schedule, command, pg_catalog.current_database());
  job_id := centroid._in_cron_database(statement);
  RETURN pg_catalog.jsonb_build_object('job_name', job, 'job_id', job_id::int8, 'schedule', schedule, 'command', command,
    'cron_database', pg_catalog.current_setting('cron.database_name', true));
END $$;
COMMENT ON FUNCTION centroid.schedule_fit(text, text, jsonb, text, text) IS
  'pg_centroid: registers a pg_cron job that refreshes a materialized view (optional) and refits the model on a schedule (cron syntax)';
CREATE OR REPLACE FUNCTION centroid._unschedule_job(job text) RETURNS bool
LANGUAGE plpgsql AS $$
BEGIN
  RETURN centroid._in_cron_database(pg_catalog.format(
    'SELECT coalesce((SELECT bool_and(cron.unschedule(jobid)) FROM cron.job WHERE jobname = %L AND username = current_user), false)::text',
    job))::bool;
END $$;
CREATE OR REPLACE FUNCTION centroid.unschedule_fit(model text) RETURNS bool
LANGUAGE plpgsql AS $$
BEGIN
  RETURN centroid._unschedule_job(centroid._job_name(model));
END $$;
COMMENT ON FUNCTION centroid.unschedule_fit(text) IS
  'pg_centroid: removes the pg_cron job of centroid.schedule_fit for this model in this database; false when there was none';
CREATE OR REPLACE FUNCTION centroid.attach(table_name regclass, config jsonb, refit boolean DEFAULT true) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  trigger_name text;
  outcome jsonb;
BEGIN
  INSERT INTO centroid.settings AS s (table_name, config) VALUES (attach.table_name, attach.config)
    ON CONFLICT ON CONSTRAINT settings_pkey DO UPDATE SET config = EXCLUDED.config;
  SELECT tg.tgname INTO trigger_name FROM pg_catalog.pg_trigger tg
   WHERE tg.tgrelid = attach.table_name AND tg.tgfoid = 'centroid.cluster_on_insert()'::regprocedure AND NOT tg.tgisinternal;
  IF trigger_name IS NULL THEN
    trigger_name := 'centroid_cluster';
    EXECUTE pg_catalog.format('CREATE TRIGGER %I BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION centroid.cluster_on_insert()',
                              trigger_name, attach.table_name);
  END IF;
  IF attach.refit THEN
    -- Rows already in the table get their cluster numbers now, not at the next insert.
    outcome := centroid.refit(attach.table_name);
  END IF;
  RETURN pg_catalog.jsonb_build_object('table', attach.table_name::text, 'trigger', trigger_name, 'refit', outcome);
END $$;
COMMENT ON FUNCTION centroid.attach(regclass, jsonb, boolean) IS
  'pg_centroid: writes the table''s settings, creates its row trigger when missing and (by default) clusters the rows already there';
CREATE OR REPLACE FUNCTION centroid.detach(table_name regclass) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t record;
  dropped text[] := '{}';
  removed int;
BEGIN
  FOR t IN
    SELECT tg.tgname FROM pg_catalog.pg_trigger tg
     WHERE tg.tgrelid = detach.table_name AND tg.tgfoid = 'centroid.cluster_on_insert()'::regprocedure AND NOT tg.tgisinternal
  LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', t.tgname, detach.table_name);
    dropped := dropped || t.tgname::text;
  END LOOP;
  -- Removing the settings removes the stored centroids (ON DELETE CASCADE) and the companion triggers.
  DELETE FROM centroid.settings s WHERE s.table_name = detach.table_name;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN pg_catalog.jsonb_build_object('table', detach.table_name::text, 'triggers_dropped', pg_catalog.to_jsonb(dropped), 'settings_removed', removed > 0);
END $$;
COMMENT ON FUNCTION centroid.detach(regclass) IS
  'pg_centroid: stops clustering the table on insert: drops its row trigger, its settings and its stored centroids (cluster numbers stay)';
CREATE OR REPLACE FUNCTION centroid.status(table_name regclass DEFAULT NULL) RETURNS SETOF jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  s record;
  total int8;
  labelled int8;
  validated jsonb;
BEGIN
  IF status.table_name IS NOT NULL AND NOT EXISTS (SELECT 1 FROM centroid.settings c WHERE c.table_name = status.table_name) THEN
    RAISE EXCEPTION 'pg_centroid: table % is not clustered', status.table_name
      USING HINT = pg_catalog.format('SELECT centroid.attach(%L, ''{"key_column": ..., "clustering_columns": [...], "cluster_count": ..., "cluster_number_column": ...}'');', status.table_name::text),
            ERRCODE = '22023';
  END IF;
  FOR s IN
    SELECT c.table_name, c.config, to_jsonb(st) AS state
      FROM centroid.settings c LEFT JOIN centroid.state st ON st.table_name = c.table_name
     WHERE status.table_name IS NULL OR c.table_name = status.table_name
     ORDER BY c.table_name::text
  LOOP
    validated := centroid._validate_settings(s.table_name, s.config);
    total := NULL;
    labelled := NULL;
    IF NOT validated ? 'error' THEN
      EXECUTE pg_catalog.format('SELECT count(*), count(%I) FROM %s', validated->'settings'->>'cluster_number_column', s.table_name)
         INTO total, labelled;
    END IF;
    RETURN NEXT pg_catalog.jsonb_build_object(
      'table', s.table_name::text,
      'config', s.config,
      'settings', validated->'settings',
      'error', validated->'error',
      'trigger', EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = s.table_name
                          AND tg.tgfoid = 'centroid.cluster_on_insert()'::regprocedure AND NOT tg.tgisinternal),
      'rows', total,
      'labelled_rows', labelled,
      'refits', coalesce((s.state->>'refits')::int8, 0),
      'refitted_at', s.state->'refitted_at',
      'online_updated_at', s.state->'online_updated_at',
      'rows_used', s.state->'rows_used',
      'iterations', s.state->'iterations',
      'converged', s.state->'converged',
      'cost', s.state->'cost',
      'duration_ms', s.state->'duration_ms',
      'changed_labels', s.state->'changed_labels',
      'centroids', s.state->'centroids',
      'clusters', (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                            'cluster', i - 1,
                            'size', (s.state->'sizes'->(i - 1)),
                            'radius', (s.state->'radii'->(i - 1)),
                            'centroid', (s.state->'centroids'->(i - 1))) ORDER BY i), '[]'::jsonb)
                     FROM pg_catalog.generate_series(1, coalesce(pg_catalog.jsonb_array_length(s.state->'centroids'), 0)) AS i)
    );
  END LOOP;
END $$;
COMMENT ON FUNCTION centroid.status(regclass) IS
  'pg_centroid: one JSON object per clustered table (or for the one given): settings, rows, labelled rows, last refit, cost and clusters';
CREATE OR REPLACE FUNCTION centroid._owns(table_name regclass) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE'), false)
    FROM pg_catalog.pg_class c WHERE c.oid = table_name
$$;
CREATE OR REPLACE FUNCTION centroid._inserts(table_name regclass) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(pg_catalog.has_table_privilege(current_user, table_name::oid, 'INSERT'), false)
$$;
DROP FUNCTION centroid._define_js(text, text, text);

ALTER TABLE centroid.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON centroid.models USING (centroid._member_of(owner)) WITH CHECK (owner = current_user);
GRANT SELECT, INSERT, DELETE ON centroid.models TO PUBLIC;

-- Companion triggers run with the inserting role's rights (no SECURITY DEFINER): inserters read
-- the table's settings and keep its state.
CREATE POLICY inserters_read ON centroid.settings FOR SELECT USING (centroid._inserts(table_name));
CREATE POLICY inserters_refit ON centroid.state USING (centroid._inserts(table_name));

-- Rows reach JavaScript as one float8[] through a label trigger generated per table (pljs leaks
-- memory converting rows): drop the 0.1.0 row-refit companions and functions, then rewire every
-- clustered table.
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tgrelid::regclass AS rel FROM pg_catalog.pg_trigger WHERE tgname = 'centroid_row_refit' LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER centroid_row_refit ON %s', t.rel);
  END LOOP;
END $$;
DROP FUNCTION IF EXISTS centroid._row_refit();
DROP FUNCTION IF EXISTS centroid._refit_row(oid, anyelement);
DROP FUNCTION IF EXISTS centroid._take_error();
REVOKE EXECUTE ON FUNCTION centroid._companions(oid, jsonb) FROM PUBLIC;
SELECT centroid._companions(table_name, config) FROM centroid.settings;
-- Label functions belong to their tables' settings, not to the extension (as after CREATE EXTENSION).
DO $$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'centroid'::regnamespace AND p.proname LIKE '\_label\_%'
  LOOP
    EXECUTE pg_catalog.format('ALTER EXTENSION pg_centroid DROP FUNCTION %s', f);
  END LOOP;
END $$;
