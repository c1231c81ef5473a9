import { test } from "node:test";
import { assertTranslatesToTwin } from "./_twin_test_support.ts";

test("olmo3 becomes olmo2 (architecture and key prefix)", async () => {
  await assertTranslatesToTwin("olmo3");
});
