// Console output of the local stack: one line per event, prefixed by the component.
// (Function code logs through Powertools; this is only the emulator's own voice.)
export interface LocalLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function localLog(component: string): LocalLog {
  // Read on every call: the test setup sets LOCAL_STACK_QUIET after these modules are loaded.
  const quiet = () => process.env.LOCAL_STACK_QUIET === '1';
  const line = (level: string, message: string) =>
    `[${component}] ${level === 'info' ? '' : `${level.toUpperCase()} `}${message}`;
  return {
    info: (m) => {
      if (!quiet()) console.log(line('info', m));
    },
    warn: (m) => console.warn(line('warn', m)),
    error: (m) => console.error(line('error', m)),
  };
}

/** An error's name for a log line ('' for a thrown non-Error). */
export const errName = (err: unknown) => (err instanceof Error ? err.name : '');
/** An error's message for a log line (a thrown non-Error as a string). */
export const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));
