// `npx tsx examples/batch-indexer.ts`: a batch task that indexes documents in bulk, with a
// worker in this process on the embedded SQLite broker. See docs/batches.md.
import { rmSync } from 'node:fs';
import { type BatchItem, createApp, Reject } from '../src/index.ts';

interface Doc {
  id: number;
  title: string;
}

/** Stands in for a search engine's bulk API: one call for many documents, an error per document. */
const searchEngine = {
  calls: 0,
  indexed: new Map<number, Doc>(),
  async bulk(docs: Doc[]): Promise<Array<string | undefined>> {
    this.calls++;
    return docs.map((doc) => {
      if (doc.title === '') return 'empty title';
      this.indexed.set(doc.id, doc);
      return undefined;
    });
  },
};

const DIR = '.celeriac/batch-indexer';
rmSync(DIR, { recursive: true, force: true });

const app = createApp({
  broker: `sqlite://${DIR}/celeriac.db`,
  backend: `sqlite://${DIR}/celeriac.db`,
  logLevel: 'warn',
});

/** Producers send one document per message; the worker indexes up to 100 per bulk call. */
const indexDoc = app.batchTask(
  'search.index',
  { maxSize: 100, maxWait: '500ms', retry: { max: 2, base: 100 } },
  async (ctx, items: BatchItem<[doc: Doc]>[]) => {
    ctx.log.info({ size: items.length }, 'bulk indexing');
    const errors = await searchEngine.bulk(items.map((item) => item.args[0]));
    return {
      // results[i] is the result of items[i]: what `await result.get()` returns for it.
      results: items.map((item) => ({ indexed: item.args[0].id })),
      // A document the engine refused fails alone; Reject sends it to the dead-letter queue
      // at once, a plain Error would be retried alone with the task's backoff.
      failed: items.flatMap((item, i) =>
        errors[i] === undefined ? [] : [{ id: item.id, error: new Reject(errors[i]) }],
      ),
    };
  },
);

async function main(): Promise<void> {
  const worker = app.worker({ concurrency: 4 });
  await worker.start();

  const docs = Array.from({ length: 250 }, (_, i): [Doc] => [{ id: i, title: `doc ${i}` }]);
  const results = await indexDoc.delayMany(docs);
  const broken = await indexDoc.delay({ id: 999, title: '' });
  console.log(`sent ${results.length + 1} documents, one message each`);

  const values = await Promise.all(results.map((r) => r.get({ timeout: '30s' })));
  console.log(`indexed ${values.length} documents in ${searchEngine.calls} bulk calls`);
  await broken
    .get({ timeout: '30s' })
    .catch((error: Error) => console.log(`the broken document: ${error.message}`));

  await worker.stop();
  const stats = await app.broker.stats('default');
  console.log(`queue: ready ${stats.ready}, reserved ${stats.reserved}, dead ${stats.dead}`);
  for (const letter of await app.broker.listDeadLetters())
    console.log(`dead letter ${letter.id.slice(0, 8)}: ${letter.reason}`);
  await app.close();
}

await main();
