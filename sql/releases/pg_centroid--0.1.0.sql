-- -------- sql/00_schema.sql
-- pg_centroid 0.1.0: clustering inside PostgreSQL.
-- Built by build.mjs from sql/*.sql: functions whose language is written "javascript" are created in pljs
-- (or plv8, when the server has that instead) by centroid._define_js below.

\echo Use "CREATE EXTENSION pg_centroid" to load this file. \quit

-- The schema belongs to the extension, so DROP EXTENSION removes it too.
CREATE SCHEMA centroid;

-- Creates a JavaScript function in whichever of pljs and plv8 the server has.
CREATE FUNCTION centroid._define_js(head text, options text, body text) RETURNS void
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

-- Raises an error returned by a JavaScript function as { error: { message, detail, hint, code } }.
CREATE FUNCTION centroid._raise(result jsonb) RETURNS void
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

-- Per-table settings of clustering on insert: the paper's ten keys and ours (see the README).
CREATE TABLE centroid.settings (
  table_name regclass PRIMARY KEY,
  config jsonb NOT NULL
);
COMMENT ON TABLE centroid.settings IS 'pg_centroid: per-table clustering settings (one JSON object per table)';

-- Stored centroids of each clustered table and the facts of its last refit.
CREATE TABLE centroid.state (
  table_name regclass PRIMARY KEY REFERENCES centroid.settings (table_name) ON DELETE CASCADE ON UPDATE CASCADE,
  centroids float8[] NOT NULL,
  counts float8[],
  sizes int8[],
  radii float8[],
  rows_used int8,
  iterations int4,
  converged bool,
  cost float8,
  duration_ms float8,
  changed_labels int8,
  refits int8 NOT NULL DEFAULT 0,
  refitted_at timestamptz,
  online_updated_at timestamptz
);
COMMENT ON TABLE centroid.state IS 'pg_centroid: current centroids (cluster_count x dimensions) and facts of the last refit, per table';

-- Loads the bundle (the TypeScript in src/, built by esbuild) once per connection.
SELECT centroid._define_js($pg_centroid_sql$CREATE FUNCTION centroid._load() RETURNS void$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$
"use strict";(()=>{var $=class extends Error{constructor(t,r,o){super(r);this.key=t;this.hint=o;this.name="SettingsError"}},me=[{key:"key_column",default:"(required)",range:"a column of the table",meaning:"column that identifies a row; changed labels are written back by it"},{key:"clustering_columns",default:"(required)",range:"1 to 1000 distinct numeric columns",meaning:"the features clustered on"},{key:"clustering_algorithm",default:"k-means",range:"k-means, k-means++, k-medoids, k-medians",meaning:"k-means++ is k-means with k-means++ starts"},{key:"center_choice",default:"k-means++",range:"random, k-means++, manual",meaning:"how the first clustering starts; later ones start from the stored centroids"},{key:"cluster_count",default:"(required)",range:"1 to 1000",meaning:"k, the number of clusters"},{key:"starting_centers",default:"none",range:"cluster_count points of len(clustering_columns) finite numbers",meaning:"the first centers, for center_choice manual only"},{key:"distance_type",default:"euclidean",range:"euclidean (or the paper's euclidian), manhattan",meaning:"distance between rows and centers"},{key:"cluster_number_column",default:"(required on insert)",range:"an integer column of the table",meaning:"receives each row's cluster number, 0 to cluster_count - 1"},{key:"maximum_data_count",default:"100000",range:"minimum_data_count to 10000000",meaning:"the window: at most this many most recent rows are clustered"},{key:"minimum_data_count",default:"10 x cluster_count (at most maximum_data_count)",range:"cluster_count to maximum_data_count",meaning:"below this many valid rows nothing is clustered; inserts still succeed"},{key:"seed",default:"42",range:"integer 0 to 2147483647",meaning:"seed of every random choice: same seed, same clusters"},{key:"starts",default:"10 for random, 3 for k-means++, 1 for manual",range:"1 to 100",meaning:"starts tried on a first clustering; the lowest cost wins"},{key:"max_iterations",default:"100",range:"1 to 10000",meaning:"iteration limit of one clustering"},{key:"tolerance",default:"0.000001",range:"0 to 1",meaning:"stop when no center moves farther than this"},{key:"refit",default:"statement",range:"statement, row, online",meaning:"when the window is re-clustered: once per INSERT/COPY, on every row (the paper), or never in the insert path"},{key:"invalid_rows",default:"skip",range:"skip, error",meaning:"rows with NULL, NaN or infinite features: kept with a NULL cluster number, or refused"},{key:"decay",default:"1",range:"greater than 0 to 1",meaning:"online policy: weight kept by past rows at each new row (1 = no forgetting)"},{key:"time_column",default:"the hypertable's time dimension, else none",range:"a column of the table",meaning:"orders the window (most recent first); without one, the key orders it"},{key:"standardize",default:"none",range:"none, zscore",meaning:"z-score features with means and deviations frozen at fit time"},{key:"output_table",default:"the source",range:"a table",meaning:"centroid.fit: where cluster numbers are written"}],dn=["k-means","k-means++","k-medoids","k-medians"],bn=["random","k-means++","manual"],gn=["euclidean","euclidian","manhattan"],pn=["statement","row","online"],yn=["skip","error"],hn=["none","zscore"];function ee(e,n="insert"){if(e===null||typeof e!="object"||Array.isArray(e))throw new $("config",`settings must be a JSON object, not ${L(e)}`,'write them as {"key_column": "id", "clustering_columns": ["v1"], "cluster_count": 3, ...}');let t=e;for(let b of Object.keys(t))if(!me.some(w=>w.key===b)){let w=Ee(b,me.map(_=>_.key));throw new $(b,`unknown setting "${b}"`,w?`did you mean "${w}"?`:`known settings: ${me.map(_=>_.key).join(", ")}`)}let r=fe(t,"key_column",!0),o=_n(t),s=W(t,"clustering_algorithm",dn,"k-means"),i=z(t,"cluster_count",void 0,1,1e3),u=W(t,"center_choice",bn,"k-means++"),l=W(t,"distance_type",gn,"euclidean")==="manhattan"?"manhattan":"euclidean",f=fe(t,"cluster_number_column",n==="insert"),d=z(t,"maximum_data_count",1e5,1,1e7),m=z(t,"minimum_data_count",Math.min(10*i,d),1,1e7);if(i>m)throw new $("minimum_data_count",`minimum_data_count (${m}) is less than cluster_count (${i})`,`set minimum_data_count to at least ${i}: k clusters need at least k rows`);if(m>d)throw new $("minimum_data_count",`minimum_data_count (${m}) is greater than maximum_data_count (${d})`,`set minimum_data_count <= maximum_data_count, e.g. {"minimum_data_count": ${Math.min(m,d)}, "maximum_data_count": ${Math.max(m,d)}}`);let g=u==="random"?10:u==="k-means++"?3:1,y={key_column:r,clustering_columns:o,clustering_algorithm:s,center_choice:u,cluster_count:i,starting_centers:An(t,u,i,o.length),distance_type:l,cluster_number_column:f,maximum_data_count:d,minimum_data_count:m,seed:z(t,"seed",42,0,2147483647),starts:z(t,"starts",g,1,100),max_iterations:z(t,"max_iterations",100,1,1e4),tolerance:$e(t,"tolerance",1e-6,0,1,!0),refit:W(t,"refit",pn,"statement"),invalid_rows:W(t,"invalid_rows",yn,"skip"),decay:$e(t,"decay",1,0,1,!1),time_column:fe(t,"time_column",!1),standardize:W(t,"standardize",hn,"none"),output_table:wn(t,"output_table")};if(u==="manual"&&y.starts!==1&&t.starts!==void 0)throw new $("starts",`starts is ${y.starts} but center_choice is manual, which has one start`,'remove "starts" or choose center_choice random or k-means++');let h=[r,f].filter(b=>b!==null);for(let b of h)if(o.includes(b))throw new $(b===r?"key_column":"cluster_number_column",`column "${b}" is both a clustering column and the ${b===r?"key":"cluster number"} column`,`remove "${b}" from clustering_columns`);if(f!==null&&f===r)throw new $("cluster_number_column",`cluster_number_column "${f}" is also the key_column`,"use a separate integer column for cluster numbers");return y}function fe(e,n,t){let r=e[n];if(r==null){if(t)throw new $(n,`${n} is missing`,`add "${n}": "<column name>"`);return null}if(typeof r!="string"||r.length===0||r.length>63)throw new $(n,`${n} must be a column name (text of 1 to 63 characters), not ${L(r)}`,`write "${n}": "<column name>"`);return r}function wn(e,n){let t=e[n];if(t==null)return null;if(typeof t!="string"||t.length===0)throw new $(n,`${n} must be a table name, not ${L(t)}`,`write "${n}": "schema.table"`);return t}function _n(e){let n=e.clustering_columns;if(n==null)throw new $("clustering_columns","clustering_columns is missing",'add "clustering_columns": ["v1", "v2"] with the numeric columns to cluster on');if(typeof n=="string")throw new $("clustering_columns",`clustering_columns must be a list, not the text ${L(n)}`,`write "clustering_columns": [${JSON.stringify(n)}]`);if(!Array.isArray(n)||n.length===0||n.length>1e3)throw new $("clustering_columns",`clustering_columns must be a list of 1 to 1000 column names, not ${L(n)}`,'write "clustering_columns": ["v1", "v2"]');let t=new Set;for(let r of n){if(typeof r!="string"||r.length===0||r.length>63)throw new $("clustering_columns",`clustering_columns holds ${L(r)}, which is not a column name`,'list column names as text: ["v1", "v2"]');if(t.has(r))throw new $("clustering_columns",`clustering_columns lists "${r}" twice`,"list each column once");t.add(r)}return n}function W(e,n,t,r){let o=e[n];if(o==null)return r;if(typeof o!="string"||!t.includes(o)){let s=typeof o=="string"?Ee(o,t):null;throw new $(n,`${n} must be one of ${t.join(", ")}, not ${L(o)}`,s?`did you mean "${s}"?`:`write "${n}": "${r}"`)}return o}function z(e,n,t,r,o){let s=e[n];if(s==null){if(t===void 0)throw new $(n,`${n} is missing`,`add "${n}": <integer from ${r} to ${o}>`);return t}if(typeof s!="number"||!Number.isInteger(s))throw new $(n,`${n} must be an integer, not ${L(s)}`,`write "${n}": <integer from ${r} to ${o}>`);if(s<r||s>o)throw new $(n,`${n} is ${s}, outside ${r} to ${o}`,`set ${n} to an integer from ${r} to ${o}`);return s}function $e(e,n,t,r,o,s){let i=e[n];if(i==null)return t;let c=`${s?"from":"greater than"} ${r} to ${o}`;if(typeof i!="number"||!Number.isFinite(i))throw new $(n,`${n} must be a number, not ${L(i)}`,`write "${n}": <number ${c}>`);if(i<r||!s&&i===r||i>o)throw new $(n,`${n} is ${i}, outside ${c}`,`set ${n} to a number ${c}`);return i}function An(e,n,t,r){let o=e.starting_centers;if(n!=="manual"){if(o!=null)throw new $("starting_centers",`starting_centers is given but center_choice is ${n}`,'set "center_choice": "manual" to use them, or remove starting_centers');return null}if(o==null)throw new $("starting_centers","center_choice is manual but starting_centers is missing",`add "starting_centers": ${t} points of ${r} numbers, e.g. [${Array.from({length:Math.min(t,2)},()=>"["+Array(r).fill(0).join(", ")+"]").join(", ")}${t>2?", ...":""}]`);if(!Array.isArray(o)||o.length!==t)throw new $("starting_centers",`starting_centers must hold cluster_count (${t}) points, not ${Array.isArray(o)?o.length:L(o)}`,`give exactly ${t} points`);return o.forEach((s,i)=>{if(!Array.isArray(s)||s.length!==r)throw new $("starting_centers",`starting_centers[${i}] must have ${r} coordinates (one per clustering column), not ${Array.isArray(s)?s.length:L(s)}`,`give each point ${r} numbers, in the order of clustering_columns`);s.forEach((c,u)=>{if(typeof c!="number"||!Number.isFinite(c))throw new $("starting_centers",`starting_centers[${i}][${u}] must be a finite number, not ${L(c)}`,"use finite numbers only")})}),o}function Ee(e,n){let t=null,r=4;for(let o of n){let s=$n(e.toLowerCase(),o.toLowerCase());s<r&&(r=s,t=o)}return t}function $n(e,n){let t=Array.from({length:n.length+1},(r,o)=>o);for(let r=1;r<=e.length;r++){let o=[r];for(let s=1;s<=n.length;s++)o[s]=Math.min((t[s]??0)+1,(o[s-1]??0)+1,(t[s-1]??0)+(e[r-1]===n[s-1]?0:1));t=o}return t[n.length]??0}function L(e){let n=JSON.stringify(e);return n===void 0?String(e):n.length>60?n.slice(0,57)+"...":n}function k(e){if(typeof e!="string"||e.length===0)throw new Error(`invalid identifier: ${JSON.stringify(e)}`);if(e.includes("\0"))throw new Error("invalid identifier: contains a NUL character");return'"'+e.replace(/"/g,'""')+'"'}function xe(e,n){return k(e)+"."+k(n)}function j(e){if(e.includes("\0"))throw new Error("invalid text value: contains a NUL character");return"'"+e.replace(/'/g,"''")+"'"}function be(e){return Number.isNaN(e)?"'NaN'::float8":e===1/0?"'Infinity'::float8":e===-1/0?"'-Infinity'::float8":String(e)+"::float8"}function I(e){if(typeof e=="bigint")return e.toString()+"::int8";if(!Number.isSafeInteger(e))throw new Error(`not an integer: ${e}`);return String(e)+"::int8"}function P(e,n){if(!/^[a-z_][a-z0-9_ ().,"]*$/i.test(n))throw new Error(`invalid type name: ${JSON.stringify(n)}`);let t=new Array(e.length);for(let r=0;r<e.length;r++)t[r]=Re(e[r],n);return j("{"+t.join(",")+"}")+"::"+n+"[]"}function ge(e,n,t){if(e.length!==n*t)throw new Error(`matrix of ${n} x ${t} needs ${n*t} numbers, not ${e.length}`);let r=[];for(let o=0;o<n;o++){let s=[];for(let i=0;i<t;i++)s.push(Re(e[o*t+i],"float8"));r.push("{"+s.join(",")+"}")}return j("{"+r.join(",")+"}")+"::float8[]"}function Re(e,n){if(e==null)return"NULL";switch(n){case"float8":{let t=Number(e);return Number.isNaN(t)?"NaN":t===1/0?"Infinity":t===-1/0?"-Infinity":String(t)}case"int8":case"int4":{if(typeof e=="bigint")return e.toString();let t=Number(e);if(!Number.isSafeInteger(t))throw new Error(`not an integer: ${String(e)}`);return String(t)}case"bool":return e?"t":"f";case"text":return de(String(e));case"jsonb":return de(JSON.stringify(e));default:return de(e instanceof Date?e.toISOString():String(e))}}function de(e){if(e.includes("\0"))throw new Error("invalid text value: contains a NUL character");return'"'+e.replace(/[\\"]/g,n=>"\\"+n)+'"'}var T=class extends Error{constructor(t,r="",o="",s="22023"){super(t);this.hint=r;this.detail=o;this.code=s;this.name="UserError"}};function En(e){if(e instanceof T)return{error:{message:e.message,hint:e.hint,detail:e.detail,code:e.code}};if(e instanceof $)return{error:{message:`pg_centroid setting ${e.key}: ${e.message}`,hint:e.hint,detail:"",code:"22023"}};throw e}function q(e){try{return e()}catch(n){return En(n)}}function Se(e){return typeof e=="object"&&e!==null&&"error"in e}function Ie(){let e=globalThis.pljs??globalThis.plv8;if(!e)throw new Error("pg_centroid runs inside PostgreSQL under pljs or plv8");return e}function ne(e){let n=Ie().execute(e);return Array.isArray(n)?n:[]}function N(e){return ne(e)[0]??null}function B(e){let n=Ie().execute(e);return typeof n=="number"?n:Array.isArray(n)?n.length:0}function te(){return Date.now()}var xn=new Set(["smallint","integer","bigint","real","double precision","numeric"]),Rn=new Set(["smallint","integer","bigint"]),Te=new Map;function Fe(e){let n=Te.get(e);if(n!==void 0)return n;let t=N(`SELECT i.inhparent::oid::int8 AS parent FROM pg_catalog.pg_inherits i
       JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE i.inhrelid = ${I(e)}::oid AND n.nspname = '_timescaledb_internal'`),r=t?Number(t.parent):e;return Te.set(e,r),r}function ke(e){let n=ne(`SELECT inhrelid::oid::int8 AS chunk FROM pg_catalog.pg_inherits WHERE inhparent = ${I(e)}::oid`);return[e,...n.map(t=>Number(t.chunk))]}function Ne(e){if(!N("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb'"))return null;let n=N(`SELECT h.id FROM _timescaledb_catalog.hypertable h
       JOIN pg_catalog.pg_class c ON c.relname = h.table_name
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = h.schema_name
      WHERE c.oid = ${I(e)}::oid`);return n?Number(n.id):null}function J(e){let n=N(`SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ${I(e)}::oid`);if(!n)throw new T(`table with oid ${e} does not exist`,"it may have been dropped");let t=new Map;for(let r of ne(`SELECT attname AS name, pg_catalog.format_type(atttypid, atttypmod) AS type FROM pg_catalog.pg_attribute
      WHERE attrelid = ${I(e)}::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum`)){let o=r.type.replace(/\(.*\)$/,"");t.set(r.name,{name:r.name,type:r.type,numeric:xn.has(o),integer:Rn.has(o)})}return{oid:e,sql:xe(n.schema,n.name),display:n.schema==="public"?n.name:`${n.schema}.${n.name}`,columns:t,timeDimension:Sn(n.schema,n.name)}}function Sn(e,n){if(!N("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb'"))return null;let r=N(`SELECT column_name FROM timescaledb_information.dimensions
      WHERE hypertable_schema = ${j(e)} AND hypertable_name = ${j(n)}
      ORDER BY dimension_number LIMIT 1`);return r?r.column_name:null}function X(e,n,t){let r=(o,s)=>{let i=e.columns.get(s);if(!i){let c=[...e.columns.keys()];throw new T(`pg_centroid setting ${o}: column "${s}" does not exist in table ${e.display}`,c.length?`columns of ${e.display}: ${c.join(", ")}`:"the table has no columns")}return i};r("key_column",n.key_column);for(let o of n.clustering_columns){let s=r("clustering_columns",o);if(!s.numeric)throw new T(`pg_centroid setting clustering_columns: column "${o}" of ${e.display} is ${s.type}, not a number`,"cluster on numeric columns (smallint, integer, bigint, real, double precision, numeric)")}if(n.cluster_number_column!==null){let o=r("cluster_number_column",n.cluster_number_column);if(!o.integer)throw new T(`pg_centroid setting cluster_number_column: column "${n.cluster_number_column}" of ${e.display} is ${o.type}, not an integer`,`ALTER TABLE ${e.sql} ALTER COLUMN ${k(n.cluster_number_column)} TYPE integer`)}else if(t==="insert")throw new T("pg_centroid setting cluster_number_column is missing",'add "cluster_number_column": "<integer column>"');n.time_column!==null&&r("time_column",n.time_column)}function pe(e,n){return n.time_column??e.timeDimension}function V(e,n,t,r,o,s){let i=0,c=1/0;if(s==="manhattan")for(let u=0;u<r;u++){let a=0,l=u*o;for(let f=0;f<o;f++)a+=Math.abs(e[n+f]-t[l+f]);a<c&&(c=a,i=u)}else for(let u=0;u<r;u++){let a=0,l=u*o;for(let f=0;f<o;f++){let d=e[n+f]-t[l+f];a+=d*d}a<c&&(c=a,i=u)}return i}function In(e,n,t,r,o,s){let i=0,c=r*o;if(s==="manhattan"){for(let u=0;u<o;u++)i+=Math.abs(e[n+u]-t[c+u]);return i}for(let u=0;u<o;u++){let a=e[n+u]-t[c+u];i+=a*a}return Math.sqrt(i)}function M(e,n,t,r){let{data:o,n:s,d:i}=e,c=new Int32Array(s),u=new Float64Array(s);for(let a=0;a<s;a++){let l=V(o,a*i,n,t,i,r);c[a]=l,u[a]=In(o,a*i,n,l,i,r)}return{labels:c,dist:u}}function Ce(e,n,t,r,o){let s=n.length,i=t.length;if(s<1||e.length!==s*i)throw new Error(`centers hold ${e.length} numbers, expected k * d = ${s} * ${i} = ${s*i}`);if(!(o>0&&o<=1))throw new Error(`decay is ${o}, expected a number in (0, 1]`);for(let l=0;l<i;l++)if(!Number.isFinite(t[l]))throw new Error(`dimension ${l} of the point is ${t[l]}, expected a finite number`);let c=V(t,0,e,s,i,r);if(o!==1)for(let l=0;l<s;l++)n[l]=n[l]*o;let u=n[c]+1;n[c]=u;let a=c*i;for(let l=0;l<i;l++)e[a+l]=e[a+l]+(t[l]-e[a+l])/u;return c}function Y(e,n,t,r,o){let s=0;for(let i=0;i<o;i++){let c=e[n+i]-t[r+i];s+=c*c}return s}function ye(e,n,t,r,o){let s=0;for(let i=0;i<o;i++)s+=Math.abs(e[n+i]-t[r+i]);return s}function D(e,n,t,r,o,s){return e==="manhattan"?ye(n,t,r,o,s):Math.sqrt(Y(n,t,r,o,s))}var Tn=new Int32Array(0);function re(e,n,t,r,o,s){let i=0;for(let m=0;m<t;m++)o[m]===0&&i++;if(i===0)return Tn;let{data:c,n:u,d:a}=e,l=new Float64Array(u);for(let m=0;m<u;m++)l[m]=D(s,c,m*a,n,r[m]*a,a);let f=new Int32Array(i),d=0;for(let m=0;m<t;m++){if(o[m]!==0)continue;let g=-1,y=0;for(let b=0;b<u;b++)l[b]>y&&o[r[b]]>1&&(y=l[b],g=b);if(g<0)continue;let h=r[g];o[h]=o[h]-1,o[m]=1,r[g]=m,l[g]=0,f[d++]=g}return f.subarray(0,d)}function G(e,n,t=new Int32Array(n)){t.fill(0);for(let r=0;r<e.length;r++){let o=e[r];t[o]=t[o]+1}return t}function Le(e,n,t,r,o,s,i,c){let u=1/0,a=1/0,l=0,f=n*o;for(let d=0;d<r;d++){let m=0,g=d*o;for(let y=0;y<o;y++){let h=e[f+y]-t[g+y];m+=h*h}m<u?(a=u,u=m,l=d):m<a&&(a=m)}s[n]=l,i[n]=Math.sqrt(u),c[n]=Math.sqrt(a)}function he(e,n,t,r,o){let s=0,i=n*o,c=r*o;for(let u=0;u<o;u++){let a=e[i+u]-t[c+u];s+=a*a}return Math.sqrt(s)}function Fn(e,n,t,r,o,s){let{data:i,n:c,d:u}=e;s.fill(0);for(let a=0;a<c;a++){let l=n[a]*u,f=a*u;for(let d=0;d<u;d++)s[l+d]=s[l+d]+i[f+d]}for(let a=0;a<r;a++){let l=t[a];for(let f=0;f<u;f++){let d=a*u+f;s[d]=l>0?s[d]/l:o[d]}}}function kn(e,n,t,r){r.fill(1/0);for(let o=0;o<n;o++)for(let s=o+1;s<n;s++){let i=.5*he(e,o,e,s,t);i<r[o]&&(r[o]=i),i<r[s]&&(r[s]=i)}}function De(e,n,t,r){let{data:o,n:s,d:i}=e,c=Float64Array.from(n),u=new Float64Array(t*i),a=new Int32Array(s),l=new Float64Array(s),f=new Float64Array(s),d=new Int32Array(t),m=new Float64Array(t),g=new Float64Array(t);for(let _=0;_<s;_++)Le(o,_,c,t,i,a,l,f);let y=0,h=!1;for(;y<r.maxIterations;){G(a,t,d);let _=re(e,c,t,a,d,"euclidean");for(let p=0;p<_.length;p++){let E=_[p];l[E]=1/0,f[E]=0}Fn(e,a,d,t,c,u);let R=0,x=0,C=-1;for(let p=0;p<t;p++){let E=he(c,p,u,p,i);m[p]=E,E>R?(x=R,R=E,C=p):E>x&&(x=E)}let F=c;c=u,u=F,y++;for(let p=0;p<s;p++){let E=a[p];l[p]=l[p]+m[E],f[p]=f[p]-(E===C?x:R)}if(R<=r.tolerance){h=!0;break}if(y>=r.maxIterations)break;kn(c,t,i,g);for(let p=0;p<s;p++){let E=a[p],v=Math.max(g[E],f[p])*(1-1e-12);if(l[p]<v)continue;let S=he(o,p,c,E,i);l[p]=S,!(S<v)&&Le(o,p,c,t,i,a,l,f)}}let b=M(e,c,t,"euclidean"),w=0;for(let _=0;_<s;_++)w+=b.dist[_]*b.dist[_];return{centers:c,labels:b.labels,cost:w,iterations:y,converged:h}}function Oe(e,n,t){let r=0,o=n-1;for(;o>r;){let s=e[r],i=e[r+o>>>1],c=e[o],u=s<i?i<c?i:s<c?c:s:s<c?s:i<c?c:i,a=r,l=o;for(;a<=l;){for(;e[a]<u;)a++;for(;e[l]>u;)l--;if(a<=l){let f=e[a];e[a]=e[l],e[l]=f,a++,l--}}if(t<=l)o=l;else if(t>=a)r=a;else return e[t]}return e[t]}function Nn(e,n){let t=n>>>1;if(n%2===1)return Oe(e,n,t);let r=Oe(e,n,t-1),o=1/0;for(let s=t;s<n;s++)e[s]<o&&(o=e[s]);return(r+o)/2}function Cn(e,n,t,r,o,s,i,c,u){let{data:a,n:l,d:f}=e,d=0;for(let m=0;m<r;m++)c[m]=d,d+=t[m];for(let m=0;m<l;m++){let g=n[m];i[c[g]]=m,c[g]=c[g]+1}for(let m=0;m<r;m++){let g=t[m],y=c[m]-g;for(let h=0;h<f;h++){if(g===0){s[m*f+h]=o[m*f+h];continue}for(let b=0;b<g;b++)u[b]=a[i[y+b]*f+h];s[m*f+h]=Nn(u,g)}}}function ve(e,n,t,r,o){let{n:s,d:i}=e,c=Float64Array.from(n),u=new Float64Array(t*i),a=Float64Array.from(n),l=1/0,f=new Int32Array(t),d=new Int32Array(s),m=new Int32Array(t),g=new Float64Array(s),y=0,h=!1;for(;;){let{labels:_,dist:R}=M(e,c,t,r),x=0;for(let p=0;p<s;p++)x+=R[p];if(x<=l&&(l=x,a.set(c)),h||y>=o.maxIterations)break;G(_,t,f),re(e,c,t,_,f,r),Cn(e,_,f,t,c,u,d,m,g);let C=0;for(let p=0;p<t;p++)C=Math.max(C,D(r,c,p*i,u,p*i,i));let F=c;c=u,u=F,y++,C<=o.tolerance&&(h=!0)}let b=M(e,a,t,r),w=0;for(let _=0;_<s;_++)w+=b.dist[_];return{centers:a,labels:b.labels,cost:w,iterations:y,converged:h}}function K(e,n){return new Error(`k = ${e} is more than the ${n} distinct points in the data; lower k to at most ${n}`)}function Pe(e,n,t,r){let o=n*r,s=t*r;for(let i=0;i<r;i++)if(e[o+i]!==e[s+i])return!1;return!0}function ie(e,n){let{data:t,n:r,d:o}=e,s=new Int32Array(Math.max(0,n)),i=0;for(let c=0;c<r&&i<n;c++){let u=!1;for(let a=0;a<i&&!u;a++)u=Pe(t,s[a],c,o);u||(s[i++]=c)}return i}function se(e,n){let{data:t,d:r}=e,o=new Float64Array(n.length*r);for(let s=0;s<n.length;s++){let i=n[s]*r;for(let c=0;c<r;c++)o[s*r+c]=t[i+c]}return o}function Me(e,n,t){let r=new Int32Array(e);for(let s=0;s<e;s++)r[s]=s;let o=Math.min(n,e);for(let s=0;s<o;s++){let i=s+t.int(e-s),c=r[s];r[s]=r[i],r[i]=c}return r}function je(e,n,t){let{data:r,n:o,d:s}=e,i=new Int32Array(o);for(let a=0;a<o;a++)i[a]=a;let c=new Int32Array(n),u=0;for(let a=0;a<o&&u<n;a++){let l=a+t.int(o-a),f=i[l];i[l]=i[a],i[a]=f;let d=!1;for(let m=0;m<u&&!d;m++)d=Pe(r,c[m],f,s);d||(c[u++]=f)}if(u<n)throw K(n,u);return c}function oe(e,n,t,r,o,s){if(o==="manhattan")return ye(e,n*r,e,t*r,r);let i=Y(e,n*r,e,t*r,r);return s?i:Math.sqrt(i)}function Ln(e,n,t){let r=0,o=n;for(;r<o;){let s=r+o>>>1;e[s]>t?o=s:r=s+1}return r}function Dn(e,n,t,r,o){let{data:s,n:i,d:c}=e,u=-1,a=0;for(let l=0;l<i;l++){let f=1/0;for(let d=0;d<t;d++)f=Math.min(f,oe(s,l,n[d],c,r,o));f>a&&(a=f,u=l)}return u}function On(e){return Math.max(1e4,50*e)}function Ue(e,n,t,r,o,s=On(n)){let{data:i,n:c,d:u}=e,a=Math.min(c,s),l=a<c?Me(c,a,t):Me(c,0,t),f=new Int32Array(n),d=new Float64Array(a),m=new Float64Array(a),g=new Float64Array(a),y=new Float64Array(a),h=2+Math.floor(Math.log(n));f[0]=l[t.int(a)];let b=0;for(let w=0;w<a;w++){let _=oe(i,l[w],f[0],u,r,o);d[w]=_,b+=_}for(let w=1;w<n;w++){let _=-1;if(b>0){let R=0;for(let F=0;F<a;F++)R+=d[F],y[F]=R;let x=1/0;for(let F=0;F<h;F++){let p=Ln(y,a,t.next()*R);for(;p>=a||d[p]<=0;)p=p>=a?a-1:p-1;let E=l[p],v=0;for(let S=0;S<a;S++){let H=Math.min(d[S],oe(i,l[S],E,u,r,o));m[S]=H,v+=H}if(v<x){x=v,_=E;let S=g;g=m,m=S}}let C=d;d=g,g=C,b=x}else{if(_=Dn(e,f,w,r,o),_<0)throw K(n,w);b=0;for(let R=0;R<a;R++){let x=Math.min(d[R],oe(i,l[R],_,u,r,o));d[R]=x,b+=x}}f[w]=_}return f}function we(e,n,t){if(e===void 0)throw new Error("centers are required when centerChoice is manual");if(e.length!==n*t)throw new Error(`centers has ${e.length} numbers, expected k * d = ${n} * ${t} = ${n*t}`);for(let r=0;r<e.length;r++){let o=e[r];if(!Number.isFinite(o))throw new Error(`center ${Math.floor(r/t)} dimension ${r%t} is ${o}, expected a finite number`)}return Float64Array.from(e)}var We=1e4;function ze(e,n,t,r,o,s,i,c,u){let{data:a,d:l}=e,f=1/0,d=1/0,m=-1,g=-1;for(let y=0;y<r;y++){let h=D(o,a,n*l,a,t[y]*l,l);h<f?(d=f,g=m,f=h,m=y):h<d&&(d=h,g=y)}s[n]=m,i[n]=f,c[n]=g,u[n]=d}function qe(e,n,t,r,o){o.fill(0);for(let s=0;s<r;s++){let i=e[s];o[i]=o[i]+t[s]-n[s]}}function vn(e,n){let{data:t,n:r,d:o}=e,s=0,i=1/0;for(let c=0;c<r;c++){let u=0;for(let a=0;a<r&&u<i;a++)u+=D(n,t,a*o,t,c*o,o);u<i&&(i=u,s=c)}return s}function Ge(e,n,t,r,o){let{data:s,n:i,d:c}=e;if(i>We)throw new Error(`k-medoids accepts at most ${We} points, not ${i}; use k-medians or fit on a sample`);let u=Int32Array.from(n),a=0,l=!1;if(t===1)o.maxIterations>0&&(u[0]=vn(e,r),a=1),l=o.maxIterations>0;else{let g=new Int32Array(i).fill(-1);for(let p=0;p<t;p++)g[u[p]]=p;let y=new Int32Array(i),h=new Int32Array(i),b=new Float64Array(i),w=new Float64Array(i),_=new Float64Array(i),R=new Float64Array(t),x=new Float64Array(t),C=0;for(let p=0;p<i;p++)ze(e,p,u,t,r,y,b,h,w),C+=b[p];qe(y,b,w,i,R);let F=-1;e:for(;a<o.maxIterations;){a++;let p=!1;for(let E=0;E<i;E++){if(E===F){l=!0;break e}if(g[E]>=0)continue;x.set(R);let v=0;for(let A=0;A<i;A++){let O=D(r,s,A*c,s,E*c,c);_[A]=O;let le=b[A],Z=y[A];O<le?(v+=O-le,x[Z]=x[Z]+le-w[A]):O<w[A]&&(x[Z]=x[Z]+O-w[A])}let S=0;for(let A=1;A<t;A++)x[A]<x[S]&&(S=A);let H=x[S]+v;if(H<-1e-12*C){g[u[S]]=-1,u[S]=E,g[E]=S;for(let A=0;A<i;A++){let O=_[A];y[A]===S||h[A]===S?ze(e,A,u,t,r,y,b,h,w):O<b[A]?(h[A]=y[A],w[A]=b[A],y[A]=S,b[A]=O):O<w[A]&&(h[A]=S,w[A]=O)}qe(y,b,w,i,R),C+=H,F=E,p=!0}}if(!p){l=!0;break}}}let f=se(e,u),d=M(e,f,t,r),m=0;for(let g=0;g<i;g++)m+=d.dist[g];return{centers:f,labels:d.labels,cost:m,iterations:a,converged:l,medoids:u}}function ae(e){return e^=e>>>16,e=Math.imul(e,2246822507),e^=e>>>13,e=Math.imul(e,3266489909),e^=e>>>16,e>>>0}function He(e){let n=e>>>0,t=Math.floor(e/4294967296)>>>0;return ae(n^ae(t^2654435769))}function Be(e){let n=He(e),t=()=>{n=n+1831565813|0;let r=Math.imul(n^n>>>15,1|n);return r=r+Math.imul(r^r>>>7,61|r)^r,((r^r>>>14)>>>0)/4294967296};return{next:t,int:r=>Math.floor(t()*r)}}function Je(e,n){return ae(He(e)^ae(Math.imul(n+1,2654435769)))}function Ve(e,n){throw new Error(`unknown ${n}: ${String(e)}`)}function Mn(e){let{data:n,n:t,d:r}=e;if(!Number.isInteger(t)||t<1)throw new Error(`n is ${t}, expected an integer of at least 1 (no points to cluster)`);if(!Number.isInteger(r)||r<1)throw new Error(`d is ${r}, expected an integer of at least 1`);if(n.length!==t*r)throw new Error(`points hold ${n.length} numbers, expected n * d = ${t} * ${r} = ${t*r}`);for(let o=0;o<n.length;o++){let s=n[o];if(!Number.isFinite(s))throw new Error(`point ${Math.floor(o/r)} dimension ${o%r} is ${s}, expected a finite number`)}}function Pn(e,n){let{k:t,starts:r,maxIterations:o,tolerance:s,seed:i}=e;if(!Number.isInteger(t)||t<1||t>n)throw new Error(`k is ${t}, expected an integer from 1 to ${n} (the number of points)`);if(!Number.isInteger(r)||r<1)throw new Error(`starts is ${r}, expected an integer of at least 1`);if(!Number.isInteger(o)||o<0)throw new Error(`maxIterations is ${o}, expected an integer of at least 0`);if(!Number.isFinite(s)||s<0)throw new Error(`tolerance is ${s}, expected a finite number >= 0`);if(!Number.isFinite(i))throw new Error(`seed is ${i}, expected a finite number`)}function jn(e,n){return(e==="k-means"||e==="k-means++")&&n==="manhattan"?"k-medians":e}function Un(e,n){return e==="k-means++"&&n==="random"?"k-means++":n}function Wn(e,n,t,r){let{data:o,n:s,d:i}=e,c=new Int32Array(t);for(let u=0;u<t;u++){let a=-1,l=1/0;for(let f=0;f<s;f++){let d=D(r,o,f*i,n,u*i,i);if(d>=l)continue;let m=!1;for(let g=0;g<u&&!m;g++)m=D(r,o,f*i,o,c[g]*i,i)===0;m||(a=f,l=d)}if(a<0)throw K(t,u);c[u]=a}return c}function Ye(e,n,t,r,o){return t==="random"?je(e,n.k,o):Ue(e,n.k,o,n.distance,r==="k-means"||r==="k-means++")}function Xe(e,n,t,r,o){switch(t){case"manual":return we(n.centers,n.k,e.d);case"random":case"k-means++":return se(e,Ye(e,n,t,r,o));default:return Ve(t,"centerChoice")}}function zn(e,n,t,r,o){let{k:s,distance:i}=n;switch(t){case"k-means":case"k-means++":return De(e,Xe(e,n,r,t,o),s,n);case"k-medians":return ve(e,Xe(e,n,r,t,o),s,i,n);case"k-medoids":{let c=r==="manual"?Wn(e,we(n.centers,s,e.d),s,i):Ye(e,n,r,t,o);return Ge(e,c,s,i,n)}default:return Ve(t,"algorithm")}}function qn(e,n){let{k:t,d:r,centers:o,labels:s}=e;if(o.length!==t*r)throw new Error(`internal error: ${o.length/r} centers, expected k = ${t}`);for(let i=0;i<o.length;i++)if(!Number.isFinite(o[i]))throw new Error(`internal error: center ${Math.floor(i/r)} dimension ${i%r} is ${o[i]}`);if(s.length!==n)throw new Error(`internal error: ${s.length} labels, expected n = ${n}`);for(let i=0;i<n;i++){let c=s[i];if(c<0||c>=t)throw new Error(`internal error: label ${c} of point ${i}, expected 0 to ${t-1}`)}if(!Number.isFinite(e.cost))throw new Error(`internal error: cost is ${e.cost}`);return e}function _e(e,n){Mn(e),Pn(n,e.n);let{k:t,seed:r}=n,o=ie(e,t);if(o<t)throw K(t,o);let s=jn(n.algorithm,n.distance),i=Un(n.algorithm,n.centerChoice),c=i==="manual"?1:n.starts,u;for(let l=0;l<c;l++){let f=zn(e,n,s,i,Be(Je(r,l)));(u===void 0||f.cost<u.cost)&&(u=f)}if(u===void 0)throw new Error(`internal error: no start ran (starts = ${c})`);let a={k:t,d:e.d,centers:u.centers,labels:u.labels,cost:u.cost,iterations:u.iterations,converged:u.converged,sizes:G(u.labels,t),algorithmUsed:s};return u.medoids!==void 0&&(a.medoids=u.medoids),qn(a,e.n)}function Ke(e,n,t,r){if(e.length!==t*r||n.length!==t*r)throw new Error(`centers hold ${e.length} and ${n.length} numbers, expected k * d = ${t*r}`);let o=new Float64Array(t*t);for(let d=0;d<t;d++)for(let m=0;m<t;m++)o[d*t+m]=Y(n,d*r,e,m*r,r);let s=new Float64Array(t+1),i=new Float64Array(t+1),c=new Int32Array(t+1),u=new Int32Array(t+1),a=new Float64Array(t+1),l=new Uint8Array(t+1);for(let d=1;d<=t;d++){c[0]=d;let m=0;a.fill(1/0),l.fill(0);do{l[m]=1;let g=c[m],y=1/0,h=0;for(let b=1;b<=t;b++){if(l[b])continue;let w=o[(g-1)*t+(b-1)]-s[g]-i[b];w<a[b]&&(a[b]=w,u[b]=m),a[b]<y&&(y=a[b],h=b)}for(let b=0;b<=t;b++)if(l[b]){let w=c[b];s[w]=s[w]+y,i[b]=i[b]-y}else a[b]=a[b]-y;m=h}while(c[m]!==0);do{let g=u[m];c[m]=c[g],m=g}while(m!==0)}let f=new Int32Array(t);for(let d=1;d<=t;d++)f[c[d]-1]=d-1;return f}function Qe(e,n){let{k:t,d:r}=e;if(n.length!==t)throw new Error(`permutation has ${n.length} entries, expected k = ${t}`);let o=new Uint8Array(t);for(let a=0;a<t;a++){let l=n[a];if(!Number.isInteger(l)||l<0||l>=t||o[l])throw new Error(`permutation entry ${a} is ${l}, expected each of 0 to ${t-1} once`);o[l]=1}let s=new Float64Array(t*r),i=new Int32Array(t);for(let a=0;a<t;a++){let l=n[a];for(let f=0;f<r;f++)s[l*r+f]=e.centers[a*r+f];i[l]=e.sizes[a]}let c=new Int32Array(e.labels.length);for(let a=0;a<c.length;a++)c[a]=n[e.labels[a]];let u={...e,centers:s,labels:c,sizes:i};if(e.medoids!==void 0){let a=new Int32Array(t);for(let l=0;l<t;l++)a[n[l]]=e.medoids[l];u.medoids=a}return u}function ue(e){let n=N(`SELECT config FROM centroid.settings WHERE table_name = ${I(e)}::oid::regclass`);return n?ee(n.config,"insert"):null}function ce(e,n,t){let r=N(`SELECT centroids, counts, refits FROM centroid.state WHERE table_name = ${I(e)}::oid::regclass`);if(!r||!Array.isArray(r.centroids)||r.centroids.length!==n*t)return null;let o=new Float64Array(n);return Array.isArray(r.counts)&&r.counts.length===n&&o.set(r.counts.map(Number)),{centers:Float64Array.from(r.centroids,Number),k:n,d:t,counts:o,refits:Number(r.refits)}}function Ze(e,n,t){if(n.centers.some(r=>!Number.isFinite(r)))throw new T("pg_centroid: refusing to store non-finite centroids","this is a bug: please report it with the data that caused it");B(`INSERT INTO centroid.state AS s (table_name, centroids, counts, sizes, radii, rows_used, iterations, converged, cost, duration_ms, changed_labels, refits, refitted_at)
     VALUES (${I(e)}::oid::regclass, ${ge(n.centers,n.k,n.d)}, ${P(n.counts,"float8")},
             ${P(t.sizes,"int8")}, ${P(t.radii,"float8")}, ${I(t.rowsUsed)}, ${I(t.iterations)},
             ${t.converged}, ${be(t.cost)}, ${be(t.durationMs)}, ${I(t.changed)}, 1, pg_catalog.now())
     ON CONFLICT (table_name) DO UPDATE SET centroids = EXCLUDED.centroids, counts = EXCLUDED.counts, sizes = EXCLUDED.sizes,
       radii = EXCLUDED.radii, rows_used = EXCLUDED.rows_used, iterations = EXCLUDED.iterations, converged = EXCLUDED.converged,
       cost = EXCLUDED.cost, duration_ms = EXCLUDED.duration_ms, changed_labels = EXCLUDED.changed_labels,
       refits = s.refits + 1, refitted_at = EXCLUDED.refitted_at`)}function en(e,n){B(`UPDATE centroid.state SET centroids = ${ge(n.centers,n.k,n.d)}, counts = ${P(n.counts,"float8")},
            online_updated_at = pg_catalog.now()
      WHERE table_name = ${I(e)}::oid::regclass`)}function Gn(e){N(`SELECT pg_catalog.pg_advisory_xact_lock(${I(Hn)}::int4, ${I(e)}::oid::int4)`)}var Hn=1667591796;function Bn(e,n){let t=pe(e,n)??n.key_column,r=n.cluster_number_column,o=n.clustering_columns.map((h,b)=>`${k(h)}::float8 AS c${b}`).join(", "),s=n.clustering_columns.map((h,b)=>`array_agg(c${b}) AS c${b}`).join(", "),i=N(`SELECT array_agg(k) AS keys, ${s}, array_agg(l) AS labels, min(o)::text AS since
       FROM (SELECT ${k(n.key_column)} AS k, ${o}, ${k(r)}::int4 AS l, ${k(t)} AS o
               FROM ${e.sql} ORDER BY ${k(t)} DESC LIMIT ${I(n.maximum_data_count)}) w`),c=i?.keys??[],u=n.clustering_columns.map((h,b)=>i?.[`c${b}`]??[]),a=i?.labels??[],l=u.length,f=new Float64Array(c.length*l),d=[],m=[],g=0,y=0;for(let h=0;h<c.length;h++){let b=!0;for(let w=0;w<l;w++){let _=u[w][h];if(typeof _!="number"||!Number.isFinite(_)){b=!1;break}f[g*l+w]=_}if(!b){y++;continue}d.push(c[h]),m.push(a[h]??null),g++}return{keys:d,points:{data:f.subarray(0,g*l),n:g,d:l},labels:m,invalid:y,since:i?.since??null}}var Jn=1e4;function Xn(e,n,t){let r=_e(e,nn(n,t));if(!t||e.n>Jn)return r;let o=_e(e,nn(n,null));return o.cost<r.cost*(1-1e-9)?Qe(o,Ke(t.centers,o.centers,o.k,o.d)):r}function nn(e,n){let t={k:e.cluster_count,algorithm:e.clustering_algorithm,distance:e.distance_type,seed:e.seed,maxIterations:e.max_iterations,tolerance:e.tolerance};return n?{...t,centerChoice:"manual",centers:n.centers,starts:1}:e.center_choice==="manual"?{...t,centerChoice:"manual",centers:Float64Array.from((e.starting_centers??[]).flat()),starts:1}:{...t,centerChoice:e.center_choice,starts:e.starts}}function Q(e,n,t,r){let o=te();Gn(e.oid);let s=Bn(e,n),i=s.points;if(r){let g=new Float64Array((i.n+1)*i.d);g.set(i.data),g.set(r.x,i.n*i.d),i={data:g,n:i.n+1,d:i.d}}let c={status:"waiting",rows:i.n,invalid:s.invalid,changed:0,iterations:0,cost:0,durationMs:te()-o,pendingLabel:null};if(i.n<n.minimum_data_count)return{outcome:c,state:t};if(ie(i,n.cluster_count)<n.cluster_count)return{outcome:{...c,status:"too-few-distinct"},state:t};let u=Xn(i,n,t),a=[],l=[];for(let g=0;g<s.points.n;g++){let y=u.labels[g];s.labels[g]!==y&&(a.push(s.keys[g]),l.push(y))}Vn(e,n,a,l,s.since);let f=Yn(i,u.centers,u.labels,n),d={centers:u.centers,k:u.k,d:u.d,counts:Float64Array.from(u.sizes),refits:(t?.refits??0)+1},m=te()-o;return Ze(e.oid,d,{rowsUsed:i.n,iterations:u.iterations,converged:u.converged,cost:u.cost,durationMs:m,sizes:u.sizes,radii:f,changed:a.length}),{outcome:{status:"refitted",rows:i.n,invalid:s.invalid,changed:a.length,iterations:u.iterations,cost:u.cost,durationMs:m,pendingLabel:r?u.labels[i.n-1]:null},state:d}}function Vn(e,n,t,r,o){if(t.length===0)return;let s=e.columns.get(n.key_column),i=pe(e,n)??n.key_column,c=e.columns.get(i)?.type,u=c&&typeof o=="string"?` AND t.${k(i)} >= ${j(o)}::${c}`:"";B(`UPDATE ${e.sql} AS t SET ${k(n.cluster_number_column)} = u.l
       FROM ROWS FROM (pg_catalog.unnest(${P(t,s?.type??"text")}), pg_catalog.unnest(${P(r,"int4")})) AS u(k, l)
      WHERE t.${k(n.key_column)} = u.k${u}`)}function Yn(e,n,t,r){let o=r.cluster_count,{dist:s}=M(e,n,o,r.distance_type),i=new Float64Array(o),c=new Float64Array(o);for(let u=0;u<e.n;u++){let a=t[u];i[a]=i[a]+s[u],c[a]=c[a]+1}for(let u=0;u<o;u++)i[u]=c[u]>0?i[u]/c[u]:0;return i}var U=new Map;function tn(e){let n=ue(e);if(!n)return null;let t=J(e);X(t,n,"insert");let r=ce(e,n.cluster_count,n.clustering_columns.length);return{table:t,settings:n,state:r,rows:0,refused:null,onlineDirty:!1,x:new Float64Array(n.clustering_columns.length)}}var rn=new Map;function on(e){U.delete(e);let n=tn(e);if(!n)return null;U.set(e,n);for(let r of ke(e))rn.set(r,e);let t=Ne(e);return t!==null&&sn.set(t,e),null}var sn=new Map;function Kn(e,n){let t=e==="_timescaledb_internal"?/^_hyper_(\d+)_\d+_chunk$/.exec(n):null,r=t?sn.get(Number(t[1])):void 0;return r===void 0?void 0:U.get(r)}function an(e){if(e.TG_WHEN!=="BEFORE"||e.TG_LEVEL!=="ROW"||e.TG_OP!=="INSERT"||!e.NEW)throw new Error(`centroid.cluster_on_insert() must be a BEFORE INSERT FOR EACH ROW trigger, not ${e.TG_WHEN} ${e.TG_OP} FOR EACH ${e.TG_LEVEL}`);let n=U.get(rn.get(e.TG_RELID)??e.TG_RELID)??Kn(e.TG_TABLE_SCHEMA,e.TG_TABLE_NAME);if(!n)return e.NEW;let t=e.NEW,r=n.settings;if(r.refit==="row")return t;let o=r.cluster_number_column;if(n.rows++,!ln(t,r,n.x))return t[o]=null,r.invalid_rows==="error"&&!n.refused&&(n.refused=mn(n,t)),t;switch(r.refit){case"statement":t[o]=n.state?V(n.x,0,n.state.centers,n.state.k,n.state.d,r.distance_type):null;break;case"online":n.state?(t[o]=Ce(n.state.centers,n.state.counts,n.x,r.distance_type,r.decay),n.onlineDirty=!0):t[o]=null;break}return t}function un(e,n){let t=Fe(e),r=U.get(t)??tn(t);if(!r||r.settings.refit!=="row")return n;let o=r.settings,s=o.cluster_number_column;if(!ln(n,o,r.x)){if(o.invalid_rows==="error")throw mn(r,n);return n[s]=null,n}let i=Q(r.table,o,r.state,{x:r.x.slice()});return r.state=i.state,n[s]=i.outcome.pendingLabel,n}function cn(e){let n=U.get(e);if(U.delete(e),!n)return null;if(n.refused)throw n.refused;if(n.rows===0)return null;let t=n.settings;return t.refit==="statement"||t.refit==="online"&&!n.state?Q(n.table,t,n.state).outcome:(t.refit==="online"&&n.onlineDirty&&n.state&&en(e,n.state),null)}function ln(e,n,t){let r=n.clustering_columns;for(let o=0;o<r.length;o++){let s=e[r[o]],i=typeof s=="number"?s:typeof s=="bigint"||typeof s=="string"?Number(s):NaN;if(!Number.isFinite(i)||s===null)return!1;t[o]=i}return!0}function mn(e,n){let t=e.settings,r=t.clustering_columns.map(o=>`${o} = ${n[o]===null||n[o]===void 0?"NULL":String(n[o])}`).join(", ");return new T(`pg_centroid: row with ${t.key_column} = ${String(n[t.key_column])} of ${e.table.display} has a NULL, NaN or infinite clustering column (${r})`,`fix the row, or set "invalid_rows": "skip" in centroid.settings to keep such rows with a NULL ${t.cluster_number_column}`,"","22P02")}function Qn(e,n){return q(()=>{let t=ee(n,"insert");return X(J(e),t,"insert"),{settings:t}})}function Zn(e){return q(()=>{let n=ue(e);if(!n)throw new T(`pg_centroid: table with oid ${e} is not clustered`,"INSERT INTO centroid.settings (table_name, config) VALUES (...) first, or use centroid.attach()");let t=J(e);X(t,n,"insert");let r=ce(e,n.cluster_count,n.clustering_columns.length);return Q(t,n,r).outcome})}var Ae=null,fn={refitRow:(e,n)=>{let t=q(()=>un(e,n));return Se(t)?(Ae=t,null):t},takeError:()=>{let e=Ae;return Ae=null,e},validateSettings:Qn,refit:Zn,beforeStatement:e=>q(()=>on(e)),afterStatement:e=>q(()=>cn(e)),onRow:e=>an(e)};globalThis.__pg_centroid_0_1_0=fn;})();

$pg_centroid_js$);

-- -------- sql/10_settings.sql
-- Settings are validated when written, only by the table's owner, and the companion statement
-- triggers that clustering on insert needs are created and dropped with them.

SELECT centroid._define_js($pg_centroid_sql$CREATE FUNCTION centroid._validate_settings(relid oid, config jsonb) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_1_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_1_0);
return API.validateSettings(relid, config);$pg_centroid_js$);

-- Puts on a clustered table the companion triggers its settings need (none when config is NULL):
-- statement triggers around every INSERT/COPY, and a row trigger for the `row` refit policy.
CREATE FUNCTION centroid._companions(relid oid, config jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  rel text;
  want record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = relid) THEN
    RETURN;
  END IF;
  rel := relid::regclass::text;
  FOR want IN
    SELECT * FROM (VALUES
      ('centroid_before_insert', 'BEFORE INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION centroid._before_insert()', config IS NOT NULL),
      ('centroid_after_insert', 'AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION centroid._after_insert()', config IS NOT NULL),
      ('centroid_row_refit', 'BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION centroid._row_refit()', config->>'refit' = 'row')
    ) AS t(name, definition, present)
  LOOP
    IF want.present AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = relid AND tgname = want.name) THEN
      EXECUTE pg_catalog.format('CREATE TRIGGER %I ', want.name) || pg_catalog.format(want.definition, rel);
    ELSIF NOT coalesce(want.present, false) AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = relid AND tgname = want.name) THEN
      EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', want.name, rel);
    END IF;
  END LOOP;
END $$;

-- Checks a settings row before it is written: the caller owns the table; every key is valid.
CREATE FUNCTION centroid._settings_before() RETURNS trigger
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

CREATE FUNCTION centroid._settings_after() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND (TG_OP = 'DELETE' OR OLD.table_name <> NEW.table_name) THEN
    PERFORM centroid._companions(OLD.table_name, NULL);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM centroid._companions(NEW.table_name, NEW.config);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER settings_before BEFORE INSERT OR UPDATE ON centroid.settings
  FOR EACH ROW EXECUTE FUNCTION centroid._settings_before();
CREATE TRIGGER settings_after AFTER INSERT OR UPDATE OR DELETE ON centroid.settings
  FOR EACH ROW EXECUTE FUNCTION centroid._settings_after();

-- Removes settings (and so stored state) of tables that are dropped.
CREATE FUNCTION centroid._on_sql_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM centroid.settings s
   USING pg_catalog.pg_event_trigger_dropped_objects() d
   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 AND s.table_name::oid = d.objid;
END $$;

-- Refuses centroid.cluster_on_insert() used other than BEFORE INSERT FOR EACH ROW, when created.
CREATE FUNCTION centroid._on_create_trigger() RETURNS event_trigger
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

-- -------- sql/20_insert.sql
-- Clustering on insert: the row trigger users attach, and the statement-level companions that
-- pg_centroid attaches itself (see src/db/insert.ts).

SELECT centroid._define_js($pg_centroid_sql$CREATE FUNCTION centroid.cluster_on_insert() RETURNS trigger$pg_centroid_sql$, $pg_centroid_sql$SECURITY DEFINER SET search_path = pg_catalog, pg_temp$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_1_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_1_0);
return API.onRow({ NEW: NEW, TG_WHEN: TG_WHEN, TG_LEVEL: TG_LEVEL, TG_OP: TG_OP, TG_RELID: TG_RELID, TG_TABLE_SCHEMA: TG_TABLE_SCHEMA, TG_TABLE_NAME: TG_TABLE_NAME });$pg_centroid_js$);
COMMENT ON FUNCTION centroid.cluster_on_insert() IS
  'pg_centroid: BEFORE INSERT FOR EACH ROW trigger that gives each new row its cluster number (settings in centroid.settings)';

SELECT centroid._define_js($pg_centroid_sql$CREATE FUNCTION centroid._before_statement(relid oid) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_1_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_1_0);
return API.beforeStatement(relid);$pg_centroid_js$);

SELECT centroid._define_js($pg_centroid_sql$CREATE FUNCTION centroid._after_statement(relid oid) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_1_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_1_0);
return API.afterStatement(relid);$pg_centroid_js$);

CREATE FUNCTION centroid._before_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM centroid._raise(centroid._before_statement(TG_RELID));
  RETURN NULL;
END $$;

CREATE FUNCTION centroid._after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM centroid._raise(centroid._after_statement(TG_RELID));
  RETURN NULL;
END $$;

SELECT centroid._define_js($pg_centroid_sql$CREATE FUNCTION centroid._refit_row(relid oid, r anyelement) RETURNS anyelement$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_1_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_1_0);
return API.refitRow(relid, r);$pg_centroid_js$);

SELECT centroid._define_js($pg_centroid_sql$CREATE FUNCTION centroid._take_error() RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_1_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_1_0);
return API.takeError();$pg_centroid_js$);

-- The `row` policy's companion: the paper's behaviour, a refit of the window with every new row.
CREATE FUNCTION centroid._row_refit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  labelled record;
BEGIN
  labelled := centroid._refit_row(TG_RELID, NEW);
  IF labelled IS NULL THEN
    PERFORM centroid._raise(centroid._take_error());
  END IF;
  RETURN labelled;
END $$;

SELECT centroid._define_js($pg_centroid_sql$CREATE FUNCTION centroid._refit(relid oid) RETURNS jsonb$pg_centroid_sql$, $pg_centroid_sql$$pg_centroid_sql$, $pg_centroid_js$var API = globalThis.__pg_centroid_0_1_0 || ((globalThis.pljs || globalThis.plv8).find_function('centroid._load')(), globalThis.__pg_centroid_0_1_0);
return API.refit(relid);$pg_centroid_js$);

CREATE FUNCTION centroid.refit(table_name regclass) RETURNS jsonb
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  result jsonb;
BEGIN
  IF NOT pg_catalog.pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = table_name), 'USAGE') THEN
    RAISE EXCEPTION 'pg_centroid: only the owner of table % can refit it', table_name USING ERRCODE = '42501';
  END IF;
  result := centroid._refit(table_name);
  PERFORM centroid._raise(result);
  RETURN result;
END $$;
COMMENT ON FUNCTION centroid.refit(regclass) IS
  'pg_centroid: re-clusters the table''s window now, writes changed cluster numbers and stores the new centroids';

-- -------- sql/99_finish.sql
-- Event triggers, dump registration and privileges, last (they refer to everything above).

CREATE EVENT TRIGGER centroid_sql_drop ON sql_drop EXECUTE FUNCTION centroid._on_sql_drop();
CREATE EVENT TRIGGER centroid_create_trigger ON ddl_command_end WHEN TAG IN ('CREATE TRIGGER')
  EXECUTE FUNCTION centroid._on_create_trigger();

SELECT pg_catalog.pg_extension_config_dump('centroid.settings', '');
SELECT pg_catalog.pg_extension_config_dump('centroid.state', '');

-- Everyone may cluster their own tables; rows of tables they do not own are invisible to them.
CREATE FUNCTION centroid._owns(table_name regclass) RETURNS bool
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE'), false)
    FROM pg_catalog.pg_class c WHERE c.oid = table_name
$$;

ALTER TABLE centroid.settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE centroid.state ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON centroid.settings USING (centroid._owns(table_name));
CREATE POLICY owner_only ON centroid.state USING (centroid._owns(table_name));

GRANT USAGE ON SCHEMA centroid TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON centroid.settings TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON centroid.state TO PUBLIC;

DROP FUNCTION centroid._define_js(text, text, text);
