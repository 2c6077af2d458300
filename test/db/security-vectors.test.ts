// Security, search_path, for pgvector columns: pgvector lives in public, where the attacker may create objects. Besides
// the kit's shadows of pg_catalog (see security-search-path.test.ts), the attacker plants in its own schema and in
// public what the vector SQL uses: pgvector's functions, aggregates and operators by name and exact types
// (vector_l2_squared_distance, l2_normalize, vector_norm, sum, avg, <->, <=>, <#>, +, -, *). Then the table's owner
// (whose path puts the attacker's schema first, or public with pg_catalog last) clusters vector tables on insert in
// every policy and label mode, the attacker inserts into them, and the owner fits, predicts, scores and lists
// centroids: nothing planted may run, and every row gets its label.

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from './database';
import { connectAs, createRoles, dropRoles, plantedRuns, plantSql, roleSuffix, type RoleClient } from './security';
import { vectorDatabase } from './vectors-helpers';

const suffix = roleSuffix();
const VICTIM = `sec_vec_victim_${suffix}`;
const ATTACKER = `sec_vec_attacker_${suffix}`;
const SECRET = 'victim.secret';

let db: TestDatabase;
let victim: RoleClient;
let attacker: RoleClient;

const lit = (v: unknown) => pg.escapeLiteral(typeof v === 'string' ? v : JSON.stringify(v));

/** pgvector's objects the vector SQL names, planted in a schema, each recording its run before doing pgvector's work. */
function plantVectorSql(schema: string): string {
  const s = pg.escapeIdentifier(schema);
  const spy = (what: string) => `PERFORM ${s}.spy(${pg.escapeLiteral(what)});`;
  const out = ['SET search_path = pg_catalog;'];
  for (const t of ['vector', 'halfvec']) {
    for (const [name, ret] of [['vector_l2_squared_distance', 'float8'], ['cosine_distance', 'float8'], ['inner_product', 'float8'], ['l2_distance', 'float8']]) {
      out.push(`CREATE FUNCTION ${s}.${name}(a public.${t}, b public.${t}) RETURNS pg_catalog.${ret} LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN ${spy(`function ${name}(${t}, ${t})`)} RETURN public.${name}(a, b); END $f$;`);
    }
    {
      out.push(`CREATE FUNCTION ${s}.l2_normalize(a public.${t}) RETURNS public.${t} LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN ${spy(`function l2_normalize(${t})`)} RETURN public.l2_normalize(a); END $f$;`);
      out.push(`CREATE FUNCTION ${s}.vector_norm(a public.${t}) RETURNS pg_catalog.float8 LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN ${spy(`function vector_norm(${t})`)} RETURN 1; END $f$;`);
      out.push(`CREATE FUNCTION ${s}.vsum(s public.${t}, v public.${t}) RETURNS public.${t} LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN ${spy(`aggregate sum(${t})`)} RETURN coalesce(s OPERATOR(public.+) v, v); END $f$;`);
      out.push(`CREATE AGGREGATE ${s}.sum(public.${t}) (SFUNC = ${s}.vsum, STYPE = public.${t});`);
      out.push(`CREATE AGGREGATE ${s}.avg(public.${t}) (SFUNC = ${s}.vsum, STYPE = public.${t});`);
      for (const [op, ret, fn] of [['<->', 'float8', 'l2_distance'], ['<=>', 'float8', 'cosine_distance'], ['<#>', 'float8', 'inner_product']]) {
        const f = `op_${fn}_${t}`;
        out.push(`CREATE FUNCTION ${s}.${f}(a public.${t}, b public.${t}) RETURNS pg_catalog.${ret} LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN ${spy(`operator ${t} ${op} ${t}`)} RETURN public.${fn}(a, b); END $f$;`);
        out.push(`CREATE OPERATOR ${s}.${op} (LEFTARG = public.${t}, RIGHTARG = public.${t}, FUNCTION = ${s}.${f});`);
      }
      for (const op of ['+', '-', '*']) {
        const f = `op_${['plus', 'minus', 'times'][['+', '-', '*'].indexOf(op)]}_${t}`;
        out.push(`CREATE FUNCTION ${s}.${f}(a public.${t}, b public.${t}) RETURNS public.${t} LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $f$ BEGIN ${spy(`operator ${t} ${op} ${t}`)} RETURN a OPERATOR(public.${op}) b; END $f$;`);
        out.push(`CREATE OPERATOR ${s}.${op} (LEFTARG = public.${t}, RIGHTARG = public.${t}, FUNCTION = ${s}.${f});`);
      }
    }
  }
  out.push('RESET search_path;');
  return out.join('\n');
}

async function runs(): Promise<{ runs: number; log: string[] }> {
  const a = await plantedRuns(db.client, 'evil');
  const b = await plantedRuns(db.client, 'public');
  return { runs: a.runs + b.runs, log: [...a.log, ...b.log].map((l) => `${l.what} (as ${l.who})`) };
}

/** A vector of 6 dimensions for row g (two directions), as a literal-only SQL expression. */
const VEC = (g: string) => `pg_catalog.format('[%s,%s,1,0,0,%s]', (${g} OPERATOR(pg_catalog.%) 2) OPERATOR(pg_catalog.*) 9 OPERATOR(pg_catalog.+) 1, 1 OPERATOR(pg_catalog.-) (${g} OPERATOR(pg_catalog.%) 2), ${g} OPERATOR(pg_catalog.%) 3)::public.vector`;

beforeAll(async () => {
  await createRoles(VICTIM, ATTACKER);
  db = await vectorDatabase('sec_vectors');
  await db.client.query('SET search_path = pg_catalog');
  await db.client.query(`GRANT CREATE ON SCHEMA public TO ${VICTIM}, ${ATTACKER}`);
  await db.client.query(`CREATE SCHEMA evil AUTHORIZATION ${ATTACKER}`);
  await db.client.query(`CREATE SCHEMA victim AUTHORIZATION ${VICTIM}`);
  await db.client.query(`GRANT USAGE ON SCHEMA victim TO ${ATTACKER}`);
  victim = await connectAs(db, VICTIM);
  attacker = await connectAs(db, ATTACKER);
  await victim.query(`CREATE TABLE ${SECRET} (x text)`);
  await attacker.query(plantSql('evil', SECRET, ATTACKER));
  await attacker.query(plantSql('public', SECRET, ATTACKER));
  // pgvector's own objects are in public, so pgvector's names are planted in the attacker's schema (public holds the kit).
  await attacker.query(plantVectorSql('evil'));
}, 300_000);

afterAll(async () => {
  await db?.close();
  await dropRoles(VICTIM, ATTACKER);
});

describe('pgvector objects planted on the caller\'s search_path', () => {
  it('are planted and run when called unqualified (the kit works)', async () => {
    await victim.query('SET search_path = evil, public');
    victim.notices.length = 0;
    await victim.query(`SELECT '[1,2]'::public.vector <-> '[2,3]'::public.vector, l2_normalize('[1,2]'::public.vector)`);
    expect(victim.notices).toEqual(expect.arrayContaining([`planted object ran: operator vector <-> vector (as ${VICTIM})`, `planted object ran: function l2_normalize(vector) (as ${VICTIM})`]));
    await victim.query('RESET search_path');
    // Run as the victim, the planted objects granted themselves the secret: revoked again before the real runs.
    expect((await db.client.query(`SELECT has_table_privilege($1, $2, 'SELECT') AS r`, [ATTACKER, SECRET])).rows[0].r).toBe(true);
    await victim.query(`REVOKE SELECT ON ${SECRET} FROM ${ATTACKER}`);
    await db.client.query('TRUNCATE evil.log, public.log');
  });

  const paths = ['evil, public', 'victim, evil, public, pg_catalog'];
  paths.forEach((path, i) => {
    it(`never run when the owner clusters, fits and predicts vectors under search_path ${path}`, async () => {
      const before = (await runs()).runs;
      victim.notices.length = 0;
      attacker.notices.length = 0;
      const tables: string[] = [];
      await victim.query('SET search_path = pg_catalog');
      for (const refit of ['statement', 'row', 'online']) {
        for (const inline of [false, true]) {
          for (const distance of ['cosine', 'euclidean']) {
            const t = `victim.v${i}_${refit}_${inline ? 'inline' : 'hidden'}_${distance}`;
            tables.push(t);
            await victim.query(`CREATE TABLE ${t} (id bigserial PRIMARY KEY, e public.vector(6), cl int, dist float8, odd bool)`);
            await victim.query(`GRANT INSERT ON ${t} TO ${ATTACKER}`);
            await victim.query(`GRANT USAGE ON SEQUENCE ${t}_id_seq TO ${ATTACKER}`);
            await victim.query(`INSERT INTO ${t} (e) SELECT ${VEC('g')} FROM pg_catalog.generate_series(1, 20) g`);
          }
        }
      }
      await victim.query(`SET search_path = ${path}`);
      await attacker.query(`SET search_path = ${path}`);
      for (const t of tables) {
        const [, refit, mode, distance] = t.split('.')[1]?.split('_') as string[];
        const config = { key_column: 'id', clustering_columns: ['e'], cluster_count: 2, cluster_number_column: 'cl', distance_column: 'dist', anomaly_column: 'odd', minimum_data_count: 6, refit, distance_type: distance, inline_centroids: mode === 'inline' };
        await victim.query(`SELECT centroid.attach(${lit(t)}, ${lit(config)})`);
        await victim.query(`INSERT INTO ${t} (e) SELECT ${VEC('g')} FROM pg_catalog.generate_series(21, 30) g`);
        await attacker.query(`INSERT INTO ${t} (e) SELECT ${VEC('g')} FROM pg_catalog.generate_series(31, 36) g`);
        await victim.query(`UPDATE ${t} SET e = '[1,1,1,0,0,0]'::public.vector WHERE id OPERATOR(pg_catalog.=) 3`);
        await victim.query(`SELECT centroid.refit(${lit(t)})`);
        await victim.query(`SELECT * FROM centroid.centroids(${lit(t)})`);
        await victim.query(`SELECT centroid.predict(${lit(t)}, '[1,1,1,0,0,0]'::public.vector)`);
        await victim.query(`SELECT centroid.status(${lit(t)})`);
      }
      const first = tables[0] as string;
      const fit = { key_column: 'id', clustering_columns: ['e'], cluster_count: 2, distance_type: 'cosine' };
      await victim.query(`SELECT centroid.fit(${lit(`m${i}`)}, ${lit(first)}, ${lit({ ...fit, output_table: first, cluster_number_column: 'cl', distance_column: 'dist', anomaly_column: 'odd' })})`);
      await victim.query(`SELECT centroid.predict(${lit(`m${i}`)}, '[1,1,1,0,0,0]'::public.vector)`);
      await victim.query(`SELECT pg_catalog.count(*) FROM centroid.score(${lit(`m${i}`)}, ${lit(`SELECT id, e FROM ${first}`)})`);
      await victim.query(`SELECT * FROM centroid.centroids(${lit(`m${i}`)}, NULL::public.vector)`);
      await victim.query(`SELECT centroid.choose_k(${lit(first)}, ${lit(fit)}, 2, 3)`);
      for (const t of tables) await victim.query(`SELECT centroid.detach(${lit(t)})`);
      await victim.query('RESET search_path');
      await attacker.query('RESET search_path');

      const after = await runs();
      expect([...new Set(after.log)]).toEqual([]);
      expect(after.runs).toBe(before);
      expect(victim.notices.filter((n) => n.startsWith('planted object ran'))).toEqual([]);
      expect(attacker.notices.filter((n) => n.startsWith('planted object ran'))).toEqual([]);
      for (const t of tables) {
        const r = await db.client.query(`SELECT count(*)::int AS n, count(cl)::int AS labelled FROM ${t}`);
        expect({ t, ...r.rows[0] }).toEqual({ t, n: 36, labelled: 36 });
      }
      const granted = await db.client.query(`SELECT has_table_privilege($1, $2, 'SELECT') AS reads, (SELECT rolsuper FROM pg_roles WHERE rolname = $1) AS super`, [ATTACKER, SECRET]);
      expect(granted.rows[0]).toEqual({ reads: false, super: false });
    });
  });
});
