/**
 * @module table
 * The command table: every command and group. `main.ts` parses against it,
 * `--help` renders it, and the completion generator reads it.
 */

import type { CommandTable } from "../parse.ts";
import { appCommands } from "./app.ts";
import { completionCommand, manCommand } from "./completion.ts";
import { configCommands } from "./config.ts";
import { doctorCommand } from "./doctor.ts";
import { folderCommands } from "./folder.ts";
import { initCommand } from "./init.ts";
import { keyCommands } from "./keys.ts";
import { logCommand } from "./log.ts";
import { meshMemberCommands } from "./mesh_members.ts";
import { meshRemoveCommands } from "./mesh_remove.ts";
import { meshPeeringCommands } from "./mesh_peering.ts";
import { meshWgCommands } from "./mesh_wg.ts";
import { pairingCommands } from "./pairing.ts";
import { patternCommands } from "./pattern.ts";
import { prefCommands } from "./pref.ts";
import { repairCommand } from "./repair.ts";
import { serviceCommands } from "./service.ts";
import { statusCommand } from "./status.ts";
import { syncCommands } from "./sync.ts";
import { syncHistoryCommands } from "./sync_history.ts";

/** Every mycel command. */
export const COMMANDS: CommandTable = {
  groups: [
    { name: "pref", summary: "preferences and learned context (last writer wins per key)" },
    { name: "config", summary: "shared configuration (last writer wins per dotted key)" },
    { name: "app", summary: "installed apps (grow-only list)" },
    { name: "pattern", summary: "learned patterns (observed-remove set)" },
    { name: "sync", summary: "exchange changes with peers (encrypted, one round)" },
    { name: "discovery", summary: "answer members looking for this device on the local link" },
    { name: "folder", summary: "synced folders: share, join, status, conflicts, kept versions" },
    {
      name: "service",
      summary: "run sync every 30 s (systemd timer and socket, launchd, or cron)",
    },
    { name: "mesh", summary: "devices in this mesh, peering, the WireGuard interface" },
    {
      name: "keys",
      summary: "where this device's private keys are kept; move them (export/import)",
    },
  ],
  commands: [
    initCommand,
    statusCommand,
    logCommand,
    repairCommand,
    doctorCommand,
    ...prefCommands,
    ...configCommands,
    ...appCommands,
    ...patternCommands,
    ...pairingCommands,
    ...meshMemberCommands,
    ...meshRemoveCommands,
    ...meshPeeringCommands,
    ...meshWgCommands,
    ...syncCommands,
    ...syncHistoryCommands,
    ...folderCommands,
    ...serviceCommands,
    completionCommand,
    manCommand,
    ...keyCommands,
  ],
};
