# SPDX-License-Identifier: GPL-2.0-only
#
# gen-catalog.awk: the vendored ATT&CK extract (policy/attack/) -> the C tables behind
# include/zhijia/catalog.h.  POSIX awk (Debian's mawk is enough); run it with LC_ALL=C so that
# strings are bytes.  Each input file is preceded by the role it plays:
#
#   awk -v platform=linux [-v filter=Linux] -f policy/gen-catalog.awk \
#	role=readme  policy/attack/README.md \
#	role=tactics policy/attack/tactics.tsv \
#	role=known   policy/attack/attack-all-endpoint.tsv \
#	role=rows    policy/attack/attack-linux.tsv \
#	role=zh      policy/attack/names-zh.tsv \
#	role=caps    policy/attack/capabilities.tsv > catalog_data.c
#
#   readme   the extract's README: its first line names the ATT&CK release
#   tactics  id, shortname, name, in Enterprise matrix order
#   known    every endpoint technique: Chinese names are checked against it, so a typo fails
#            the build while names of other platforms' entries are kept for their ports
#   rows     the entries of the catalog (with -v filter=X: only rows whose platforms include X)
#   zh       id<TAB>Chinese name
#   caps     id<TAB>capability per platform column; the column named by -v platform is used
#
# Anything unexpected (a missing column, an unsorted or duplicate id, an unknown tactic or
# parent, a capability for an id the catalog lacks) stops the build with FILE:LINE: message.

function fail(msg)
{
	printf("gen-catalog.awk: %s:%d: %s\n", FILENAME, FNR, msg) > "/dev/stderr"
	failed = 1
	exit 1
}

# A C string literal: bytes outside printable ASCII as octal escapes (three digits, so a
# following digit cannot join the escape), '?' escaped against trigraphs.
function cstr(s,    out, i, n, c)
{
	if (s == "")
		return "NULL"
	out = "\""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "\\" || c == "\"")
			out = out "\\" c
		else if (c == "?")
			out = out "\\?"
		else if (byte[c] < 32 || byte[c] > 126)
			out = out sprintf("\\%03o", byte[c])
		else
			out = out c
	}
	return out "\""
}

function is_technique_id(id)
{
	return id ~ /^T[0-9][0-9][0-9][0-9](\.[0-9][0-9][0-9])?$/
}

function is_tactic_id(id)
{
	return id ~ /^TA[0-9][0-9][0-9][0-9]$/
}

# Comments and blank lines are allowed in zhijia's own tables, not in MITRE's.
function skip_comment()
{
	return $0 ~ /^[ \t]*(#|$)/
}

BEGIN {
	FS = "\t"
	for (i = 1; i < 256; i++)
		byte[sprintf("%c", i)] = i
	if (platform == "")
		platform = "linux"
	n_tac = 0
	n_row = 0
	version = ""
}

FNR == 1 {
	header_seen = 0
}

role == "readme" {
	if (version == "" && match($0, /v[0-9]+(\.[0-9]+)*/))
		version = substr($0, RSTART, RLENGTH)
	next
}

role == "tactics" {
	if (FNR == 1) {
		if ($0 != "id\tshortname\tname")
			fail("expected the header id<TAB>shortname<TAB>name")
		next
	}
	if (NF != 3 || !is_tactic_id($1) || $2 == "" || $3 == "")
		fail("expected id<TAB>shortname<TAB>name")
	if (($1 in tac_by_id) || ($2 in tac_by_short))
		fail("duplicate tactic " $1)
	tac_id[n_tac] = $1
	tac_short[n_tac] = $2
	tac_name[n_tac] = $3
	tac_by_id[$1] = n_tac
	tac_by_short[$2] = n_tac
	n_tac++
	if (n_tac > 32)
		fail("more than 32 tactics do not fit the catalog's tactic mask")
	next
}

role == "known" {
	if (FNR == 1)
		next
	known[$1] = 1
	next
}

role == "rows" {
	if (FNR == 1) {
		if ($0 != "id\tname\tparent\ttactics\tplatforms\tdata_sources")
			fail("expected the header id, name, parent, tactics, platforms, " \
			     "data_sources")
		next
	}
	if (NF != 6)
		fail("expected 6 tab-separated columns, found " NF)
	if (filter != "" && ("," $5 ",") !~ ("," filter ","))
		next
	id = $1
	if (!is_technique_id(id))
		fail("malformed technique id '" id "'")
	if (n_row > 0 && id <= row_id[n_row - 1])
		fail("ids must be sorted and unique: '" id "' after '" row_id[n_row - 1] "'")
	if ($2 == "")
		fail(id ": empty name")
	parent = -1
	if (index(id, ".")) {
		if ($3 != substr(id, 1, 5))
			fail(id ": parent column '" $3 "' does not match the id")
		if (!($3 in row_index))
			fail(id ": parent " $3 " is not in the catalog")
		parent = row_index[$3]
		row_subs[parent]++
	} else if ($3 != "") {
		fail(id ": a technique cannot have a parent")
	}
	mask = 0
	split("", seen)
	nt = split($4, tacs, ",")
	if (nt == 0)
		fail(id ": no tactic")
	for (i = 1; i <= nt; i++) {
		if (!(tacs[i] in tac_by_short))
			fail(id ": unknown tactic '" tacs[i] "'")
		t = tac_by_short[tacs[i]]
		if (!(t in seen)) {
			seen[t] = 1
			mask += 2 ^ t
		}
	}
	row_id[n_row] = id
	row_name[n_row] = $2
	row_parent[n_row] = parent
	row_tactics[n_row] = mask
	row_ds[n_row] = $6
	row_subs[n_row] = 0
	row_index[id] = n_row
	n_row++
	next
}

role == "zh" {
	if (skip_comment())
		next
	if (!header_seen) {
		if ($0 != "id\tname_zh")
			fail("expected the header id<TAB>name_zh")
		header_seen = 1
		next
	}
	if (NF != 2 || $2 == "")
		fail("expected id<TAB>Chinese name")
	if (!is_technique_id($1) && !is_tactic_id($1))
		fail("malformed id '" $1 "'")
	if (!($1 in known) && !($1 in tac_by_id))
		fail($1 " is not an ATT&CK endpoint technique or tactic")
	if ($1 in zh)
		fail("duplicate Chinese name for " $1)
	zh[$1] = $2
	next
}

role == "caps" {
	if (skip_comment())
		next
	if (!header_seen) {
		col = 0
		if ($1 != "id")
			fail("expected a header: id<TAB>platform...")
		for (i = 2; i <= NF; i++)
			if ($i == platform)
				col = i
		if (col == 0)
			fail("no column for platform '" platform "'")
		header_seen = 1
		next
	}
	v = $col
	if (v == "" || v == "-")
		next
	if (v != "observe" && v != "enforce")
		fail($1 ": capability must be observe, enforce or -, not '" v "'")
	if (!($1 in row_index))
		fail($1 " is not in the " platform " catalog")
	if (row_subs[row_index[$1]] > 0)
		fail($1 " has sub-techniques: capabilities belong to them")
	if ($1 in cap)
		fail("duplicate capability for " $1)
	cap[$1] = v
	next
}

{
	fail("no role given for this file (role=...)")
}

END {
	if (failed)
		exit 1
	if (n_tac == 0 || n_row == 0 || version == "") {
		msg = "gen-catalog.awk: missing input (tactics, rows or README version)"
		print msg > "/dev/stderr"
		exit 1
	}

	print "/* SPDX-License-Identifier: GPL-2.0-only */"
	print "/*"
	print " * Generated by policy/gen-catalog.awk from policy/attack/: MITRE ATT&CK Enterprise"
	print " * " version ", (c) The MITRE Corporation, reproduced under its terms of use."
	print " * Do not edit: change the TSVs and rebuild."
	print " */"
	print "#include <stddef.h>"
	print "#include <stdint.h>"
	print ""
	print "#include \"zhijia/catalog.h\""
	print ""
	print "static const struct zj_tactic tactics[] = {"
	for (i = 0; i < n_tac; i++)
		printf("\t{ .id = %s, .shortname = %s, .name = %s, .name_zh = %s },\n",
		       cstr(tac_id[i]), cstr(tac_short[i]), cstr(tac_name[i]), cstr(zh[tac_id[i]]))
	print "};"
	print ""
	print "static const struct zj_technique techniques[] = {"
	for (i = 0; i < n_row; i++) {
		id = row_id[i]
		c = "ZJ_CAP_NONE"
		if (cap[id] == "observe")
			c = "ZJ_CAP_OBSERVE"
		else if (cap[id] == "enforce")
			c = "ZJ_CAP_ENFORCE"
		printf("\t{ .id = %s, .name = %s, .name_zh = %s,\n", cstr(id), cstr(row_name[i]),
		       cstr(zh[id]))
		printf("\t  .data_sources = %s,\n", cstr(row_ds[i]))
		printf("\t  .parent = %d, .n_subs = %d, .tactics = 0x%x, .capability = %s,\n",
		       row_parent[i], row_subs[i], row_tactics[i], c)
		# T1055.008 -> 1055008, T1055 -> 1055000: ids are well-formed (checked above), so
		# this orders the entries as their ids do and zj_catalog_find() searches numbers.
		printf("\t  .key = %d },\n", substr(id, 2, 4) * 1000 + \
		       (length(id) == 9 ? substr(id, 7, 3) : 0))
	}
	print "};"
	print ""
	# by_number[n - first_number]: the index of technique Tn, -1 where there is none; its
	# sub-techniques follow it (zj_catalog_find() goes straight there).
	lo = -1
	hi = -1
	for (i = 0; i < n_row; i++) {
		if (row_parent[i] >= 0)
			continue
		num = substr(row_id[i], 2, 4) + 0
		by_num[num] = i
		if (lo < 0 || num < lo)
			lo = num
		if (num > hi)
			hi = num
	}
	if (n_row > 32767)
		fail("more than 32767 entries do not fit by_number[]")
	if (lo >= 0) {
		print "static const int16_t by_number[] = {"
		for (num = lo; num <= hi; num++)
			printf("\t%d, /* T%04d */\n", (num in by_num) ? by_num[num] : -1, num)
		print "};"
		print ""
	}
	print "static const struct zj_catalog_tables tables = {"
	printf("\t.attack_version = %s,\n", cstr(version))
	printf("\t.platform = %s,\n", cstr(platform))
	print "\t.tactics = tactics,"
	printf("\t.n_tactics = %d,\n", n_tac)
	print "\t.techniques = techniques,"
	printf("\t.n_techniques = %d,\n", n_row)
	if (lo >= 0) {
		print "\t.by_number = by_number,"
		printf("\t.first_number = %d,\n", lo)
		printf("\t.n_numbers = %d,\n", hi - lo + 1)
	}
	print "};"
	print ""
	print "const struct zj_catalog_tables *zj_catalog_tables(void)"
	print "{"
	print "\treturn &tables;"
	print "}"
}
