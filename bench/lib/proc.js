'use strict';
// Linux /proc readers: CPU time of a process and the TCP ports it listens on.
const { execSync } = require('node:child_process');
const { readFileSync, readdirSync, readlinkSync } = require('node:fs');

let clockTicks;

/** Kernel clock ticks per second (`getconf CLK_TCK`), read once. */
function clockTicksPerSecond() {
  if (clockTicks === undefined) {
    const value = Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim());
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`getconf CLK_TCK returned "${value}"; the bench needs Linux /proc`);
    }
    clockTicks = value;
  }
  return clockTicks;
}

/** { user, system } CPU time of every thread of `pid`, in clock ticks (utime, stime). */
function cpuTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) may hold spaces or parentheses: count fields from after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3]: utime is 14, stime 15.
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

/** utime + stime of every thread of `pid`, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid) {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** TCP ports on which `pid` has a socket in LISTEN state (IPv4 and IPv6). */
function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match) inodes.add(match[1]);
  }
  const ports = new Set();
  for (const table of ['tcp', 'tcp6']) {
    let text;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue; // no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st ... inode(9); st 0A = LISTEN.
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9])) continue;
      ports.add(parseInt(cols[1].split(':')[1], 16));
    }
  }
  return [...ports];
}

module.exports = { clockTicksPerSecond, cpuTicks, cpuTimes, listeningPorts };
