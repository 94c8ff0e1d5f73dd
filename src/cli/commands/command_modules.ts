/**
 * @module command_modules
 * Where each command lives, so a run loads only the module that can match
 * its first word. Every command module reaches a large part of mycel (the
 * store, the sync engine, folders); importing them all cost every command,
 * `status` included, about 25 ms of start-up (lazy_import.ts says why the
 * imports are written as they are). The full table (table.ts) is
 * built from this same list, in this order, for help, completions and man.
 *
 * Invariant (tests/cli/command_modules_test.ts): `words` lists exactly the
 * first words of every spelling (path and aliases) of the module's commands.
 */

import type { CommandSpec, GroupSpec } from "../command.ts";
import type { CommandTable } from "../command_lookup.ts";
import { lazyImport } from "../../lazy_import.ts";

/** The groups (first words shared by several commands), in help order. */
export const GROUPS: readonly GroupSpec[] = [
  { name: "pref", summary: "preferences and learned context (last writer wins per key)" },
  { name: "config", summary: "shared configuration (last writer wins per dotted key)" },
  { name: "app", summary: "installed apps (grow-only list)" },
  { name: "pattern", summary: "learned patterns (observed-remove set)" },
  { name: "sync", summary: "exchange changes with peers (encrypted, one round)" },
  { name: "discovery", summary: "answer members looking for this device on the local link" },
  { name: "folder", summary: "document folders synced between devices" },
  { name: "service", summary: "run sync every 30 s (systemd timer and socket, launchd, or cron)" },
  { name: "mesh", summary: "devices in this mesh, peering, the WireGuard interface" },
  { name: "keys", summary: "this device's private keys and the place they are kept" },
];

/** One command module: the first words its commands answer to, and its loader. */
export interface CommandModule {
  /** First words of every spelling of its commands. */
  readonly words: readonly string[];
  /** Imports the module and returns its commands. */
  readonly load: () => Promise<readonly CommandSpec[]>;
}

/** Every command module, in the order commands appear in help. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    words: ["init"],
    load: async () => [
      (await lazyImport<typeof import("./init.ts")>(new URL("./init.ts", import.meta.url)))
        .initCommand,
    ],
  },
  {
    words: ["status"],
    load: async () => [
      (await lazyImport<typeof import("./status.ts")>(new URL("./status.ts", import.meta.url)))
        .statusCommand,
    ],
  },
  {
    words: ["log"],
    load: async () => [
      (await lazyImport<typeof import("./log.ts")>(new URL("./log.ts", import.meta.url)))
        .logCommand,
    ],
  },
  {
    words: ["repair"],
    load: async () => [
      (await lazyImport<typeof import("./repair.ts")>(new URL("./repair.ts", import.meta.url)))
        .repairCommand,
    ],
  },
  {
    words: ["doctor"],
    load: async () => [
      (await lazyImport<typeof import("./doctor.ts")>(new URL("./doctor.ts", import.meta.url)))
        .doctorCommand,
    ],
  },
  {
    words: ["pref", "set", "get", "unset", "show"],
    load: async () =>
      (await lazyImport<typeof import("./pref.ts")>(new URL("./pref.ts", import.meta.url)))
        .prefCommands,
  },
  {
    words: ["config", "set", "get", "unset", "show"],
    load: async () =>
      (await lazyImport<typeof import("./config.ts")>(new URL("./config.ts", import.meta.url)))
        .configCommands,
  },
  {
    words: ["app", "add", "show"],
    load: async () =>
      (await lazyImport<typeof import("./app.ts")>(new URL("./app.ts", import.meta.url)))
        .appCommands,
  },
  {
    words: ["pattern", "add", "remove", "show"],
    load: async () =>
      (await lazyImport<typeof import("./pattern.ts")>(new URL("./pattern.ts", import.meta.url)))
        .patternCommands,
  },
  {
    words: ["mesh", "pair"],
    load: async () =>
      (await lazyImport<typeof import("./pairing.ts")>(new URL("./pairing.ts", import.meta.url)))
        .pairingCommands,
  },
  {
    words: ["mesh", "show"],
    load: async () =>
      (await lazyImport<typeof import("./mesh_members.ts")>(
        new URL("./mesh_members.ts", import.meta.url),
      )).meshMemberCommands,
  },
  {
    words: ["mesh"],
    load: async () =>
      (await lazyImport<typeof import("./mesh_rename.ts")>(
        new URL("./mesh_rename.ts", import.meta.url),
      )).meshRenameCommands,
  },
  {
    words: ["mesh"],
    load: async () =>
      (await lazyImport<typeof import("./mesh_remove.ts")>(
        new URL("./mesh_remove.ts", import.meta.url),
      )).meshRemoveCommands,
  },
  {
    words: ["mesh"],
    load: async () =>
      (await lazyImport<typeof import("./mesh_peering.ts")>(
        new URL("./mesh_peering.ts", import.meta.url),
      )).meshPeeringCommands,
  },
  {
    words: ["mesh"],
    load: async () =>
      (await lazyImport<typeof import("./mesh_wg.ts")>(new URL("./mesh_wg.ts", import.meta.url)))
        .meshWgCommands,
  },
  {
    words: ["discovery", "sync"],
    load: async () =>
      (await lazyImport<typeof import("./sync.ts")>(new URL("./sync.ts", import.meta.url)))
        .syncCommands,
  },
  {
    words: ["sync"],
    load: async () =>
      (await lazyImport<typeof import("./sync_history.ts")>(
        new URL("./sync_history.ts", import.meta.url),
      )).syncHistoryCommands,
  },
  {
    words: ["folder"],
    load: async () =>
      (await lazyImport<typeof import("./folder.ts")>(new URL("./folder.ts", import.meta.url)))
        .folderCommands,
  },
  {
    words: ["service"],
    load: async () =>
      (await lazyImport<typeof import("./service.ts")>(new URL("./service.ts", import.meta.url)))
        .serviceCommands,
  },
  {
    words: ["completion", "man"],
    load: async () => {
      const m = await lazyImport<typeof import("./completion.ts")>(
        new URL("./completion.ts", import.meta.url),
      );
      return [m.completionCommand, m.manCommand];
    },
  },
  {
    words: ["keys"],
    load: async () =>
      (await lazyImport<typeof import("./keys.ts")>(new URL("./keys.ts", import.meta.url)))
        .keyCommands,
  },
];

/**
 * The commands that can match a run whose first command word is `word`, in
 * table order: enough to parse it exactly as the full table would, since a
 * spelling matches only if it starts with that word. Without a word, no
 * command is loaded (`--version` needs none; anything else falls back to
 * the full table).
 */
export async function commandsFor(word: string | undefined): Promise<CommandTable> {
  const wanted = COMMAND_MODULES.filter((m) => word !== undefined && m.words.includes(word));
  return { groups: GROUPS, commands: (await Promise.all(wanted.map((m) => m.load()))).flat() };
}
