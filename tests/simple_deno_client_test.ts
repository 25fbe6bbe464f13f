// A TypeScript file is served as TypeScript only when Deno asks for it (User-Agent: Deno/…),
// so `deno run http://host/cli.ts` works against our file server; every other client gets
// CPython's bytes.
import { assertEquals } from "../deps.ts";
import { SimpleHTTPRequestHandler } from "../handlers/simple.ts";
import { fromLatin1, rawExchange, startServer } from "./_helpers.ts";

class QuietFiles extends SimpleHTTPRequestHandler {
  override log_message(): void {}
}

function contentType(response: string): string | undefined {
  return /^Content-type: (.*)\r$/mi.exec(response)?.[1];
}

Deno.test("a .ts file is application/typescript for Deno and CPython's type for others", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/mod.ts`, "export const x = 1;\n");
  await Deno.writeTextFile(`${dir}/view.tsx`, "export const v = 1;\n");
  const running = startServer(QuietFiles);
  running.server.directory = dir;
  try {
    const get = async (path: string, agent?: string) =>
      fromLatin1(
        await rawExchange(
          running.port,
          `GET ${path} HTTP/1.0\r\n${agent === undefined ? "" : `User-Agent: ${agent}\r\n`}\r\n`,
        ),
      );
    assertEquals(contentType(await get("/mod.ts", "Deno/2.9.6")), "application/typescript");
    assertEquals(contentType(await get("/view.tsx", "Deno/2.9.6")), "text/tsx");
    const plain = contentType(await get("/mod.ts", "curl/7.88.1"));
    const none = contentType(await get("/mod.ts"));
    assertEquals(plain, none);
    assertEquals(plain === "application/typescript", false);
  } finally {
    await running.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
