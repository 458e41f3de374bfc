import { expect, it } from "vitest";
import { API_METHODS } from "../api/schema.ts";
import { API_METHOD_NAMES } from "./api-methods.ts";

it("the preload exposes exactly the API's methods", () => {
  expect([...API_METHOD_NAMES].sort()).toEqual([...API_METHODS].sort());
});
