int t_http_register(void); int t_http_register(void) { return 0; }
