/* libFuzzer target: charlad's config file parser (src/server/config_file.c). The input is a
 * config file. Checks, beyond the sanitizers: the parser ends with a known status; an error names
 * a line of the input and a message; success means every string setting it made lies inside the
 * buffer or is a default; and parsing the same text twice gives the same status (it is pure). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/config_file.h"

static enum config_file_status fuzz_config_once(const uint8_t *data, size_t size,
						 struct config *cfg, struct config_file_result *res,
						 char **keep)
{
	char *text = malloc(size + 1);
	assert(text);
	memcpy(text, data, size);
	text[size] = '\0';
	config_defaults(cfg);
	enum config_file_status st = config_file_parse(cfg, text, size, res);
	*keep = text;
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config a, b;
	struct config_file_result ra, rb;
	char *ta, *tb;
	enum config_file_status sa = fuzz_config_once(data, size, &a, &ra, &ta);
	enum config_file_status sb = fuzz_config_once(data, size, &b, &rb, &tb);
	assert(sa == sb);
	assert(sa <= CONFIG_FILE_BAD_VALUE);
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (sa != CONFIG_FILE_OK) {
		assert(ra.line >= 1 && ra.line <= lines);
		assert(ra.msg[0] != '\0');
		assert(strcmp(ra.msg, rb.msg) == 0);
	} else {
		for (size_t k = 0; k < a.nlisten; k++)
			assert(a.listen[k] >= ta && a.listen[k] <= ta + size);
		if (a.ai_system)
			assert(a.ai_system >= ta && a.ai_system <= ta + size);
		size_t i = 0;
		bool reload;
		/* Both parses set the same values. */
		assert(config_next_change(&a, &b, &i, &reload) == NULL);
	}
	free(ta);
	free(tb);
	return 0;
}
