/**
 * A hand-written stratus log of two boots: the first with a nested search,
 * a module that failed, and a line of another component between events; the
 * second cut short (modules-config never finished) with a malformed event line.
 */
export const TWO_BOOTS = [
  "2026-12-03 06:00:00.000 - stratus[init-local][DEBUG]: start: init-local: searching for local datasources",
  "2026-12-03 06:00:00.001 - stratus[init-local][INFO]: stratus running 'init-local' at Thu, 03 Dec 2026 06:00:00 GMT. Up 2.50 seconds.",
  '2026-12-03 06:00:00.010 - stratus[init-local][DEBUG]: start: init-local/check-cache: attempting to read from cache [check]',
  '2026-12-03 06:00:00.012 - stratus[init-local][DEBUG]: finish: init-local/check-cache: SUCCESS: no usable cache',
  '2026-12-03 06:00:00.012 - stratus[init-local][DEBUG]: start: init-local/search-NoCloud: searching for local data from DataSourceNoCloud',
  '2026-12-03 06:00:00.112 - stratus[init-local][DEBUG]: finish: init-local/search-NoCloud: SUCCESS: found local data from DataSourceNoCloud',
  '2026-12-03 06:00:00.113 - stratus[init-local][INFO]: found datasource NoCloud in 100.0 ms',
  '2026-12-03 06:00:00.250 - stratus[init-local][DEBUG]: finish: init-local: SUCCESS: searching for local datasources',
  '2026-12-03 06:00:01.000 - stratus[init][DEBUG]: start: init-network: searching for network datasources',
  "2026-12-03 06:00:01.000 - stratus[init][INFO]: stratus running 'init' at Thu, 03 Dec 2026 06:00:01 GMT. Up 3.50 seconds.",
  '2026-12-03 06:00:01.100 - stratus[init][DEBUG]: start: init-network/config-ssh: running config-ssh',
  '2026-12-03 06:00:01.600 - stratus[init][ERROR]: module ssh failed: boom',
  '2026-12-03 06:00:01.600 - stratus[init][DEBUG]: finish: init-network/config-ssh: FAIL: config-ssh failed: boom',
  '2026-12-03 06:00:01.700 - stratus[init][DEBUG]: start: init-network/config-locale: running config-locale',
  '2026-12-03 06:00:01.725 - stratus[init][DEBUG]: finish: init-network/config-locale: WARN: config-locale ran successfully',
  '2026-12-03 06:00:02.000 - stratus[init][DEBUG]: finish: init-network: FAIL: searching for network datasources',
  '2026-12-03 07:00:00.000 - stratus[init-local][DEBUG]: start: init-local: searching for local datasources',
  "2026-12-03 07:00:00.000 - stratus[init-local][INFO]: stratus running 'init-local' at Thu, 03 Dec 2026 07:00:00 GMT. Up 1.25 seconds.",
  '2026-12-03 07:00:00.300 - stratus[init-local][DEBUG]: finish: init-local/check-cache: MAYBE: not a result',
  '2026-12-03 07:00:00.500 - stratus[init-local][DEBUG]: finish: init-local: SUCCESS: searching for local datasources',
  '2026-12-03 07:00:01.000 - stratus[modules-config][DEBUG]: start: modules-config: running modules for config',
  '',
].join('\n');
