// npm run openapi: writes docs/openapi.json, the published contract, from the route registry.
// Refuses while the new document breaks clients of the published one and apiInfo.version (in
// shared/http/routes.ts) is still the published version: raise it, then write.
import { breakingChanges, currentDocument, publishedDocument, writeDocument, CONTRACT_FILE } from './lib/api-contract';

async function main() {
  const next = currentDocument();
  const published = await publishedDocument().catch(() => undefined);
  const breaking = published ? breakingChanges(published, next) : [];
  if (breaking.length > 0 && published!.info.version === next.info.version) {
    console.error(
      `Not written: these changes break clients of version ${next.info.version}:\n  ${breaking.join('\n  ')}\nRaise apiInfo.version in shared/http/routes.ts (or keep what they remove), then run this again.`,
    );
    process.exit(1);
  }
  await writeDocument(next);
  console.log(
    `${CONTRACT_FILE}: version ${next.info.version}, ${Object.keys(next.paths).length} paths${breaking.length ? `; ${breaking.length} breaking change(s) under the new version` : ''}`,
  );
}

void main();
