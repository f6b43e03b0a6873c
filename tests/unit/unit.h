/*
 * One CUnit suite per module; main.c registers them all.
 * Each function adds its suite to the registry and returns 0, or -1.
 */
#ifndef LBD_UNIT_H
#define LBD_UNIT_H

#define NOBODY	65534	/* uid and gid of "nobody", for tests that drop root */

int	test_clock_register(void);
int	test_net_register(void);
int	test_config_register(void);
int	test_config_files_register(void);
int	test_balance_register(void);
int	test_buf_register(void);
int	test_evloop_register(void);
int	test_shm_register(void);
int	test_health_register(void);
int	test_reload_register(void);
int	test_runtime_register(void);
int	test_daemon_register(void);
int	test_log_register(void);
int	test_pump_register(void);
int	test_upstream_register(void);
int	test_pool_register(void);
int	test_config_pack_register(void);
int	test_proc_register(void);
int	test_http1_register(void);
int	test_proxyproto_register(void);
int	test_httpstat_register(void);
int	test_relay_http_head_register(void);

#endif /* LBD_UNIT_H */
