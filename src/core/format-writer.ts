/**
 * Writes event format files as the kernel does (trace_events.c f_show) and lays
 * fields out as C would, so events we define (kprobes, synthetic test events)
 * look exactly like the kernel's.
 */
export interface FieldSpec {
  /** C type as the kernel prints it: "int", "void *", "char[16]" (arrays: give arrayLen), "__data_loc char[]". */
  type: string;
  name: string;
  size: number;
  signed?: boolean;
  /** Fixed array length: the field is written as `type name[len]`. */
  arrayLen?: number;
  /** Alignment; defaults to min(size, longSize) for scalars, element size for arrays. */
  align?: number;
  /** Explicit offset (else the next aligned one). */
  offset?: number;
}

export interface FormatSpec {
  name: string;
  id: number;
  fields: FieldSpec[];
  /** The print fmt text after "print fmt: ". */
  printFmt: string;
}

export const COMMON_FIELDS = [
  '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
  '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;',
  '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;',
  '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
];

/** Offsets for fields (C struct layout after the 8-byte common header). */
export function layoutFields(fields: FieldSpec[], longSize: number): { offsets: number[]; size: number } {
  let off = 8;
  let maxAlign = 4;
  const offsets = fields.map((f) => {
    const elem = f.arrayLen ? f.size / f.arrayLen : f.size;
    const align = f.align ?? Math.max(1, Math.min(elem, longSize));
    maxAlign = Math.max(maxAlign, align);
    if (f.offset !== undefined) off = f.offset;
    else off = Math.ceil(off / align) * align;
    const at = off;
    off += f.size;
    return at;
  });
  return { offsets, size: Math.ceil(off / maxAlign) * maxAlign };
}

/** The text of a format file for the spec. */
export function formatText(spec: FormatSpec, longSize = 8): string {
  const { offsets } = layoutFields(spec.fields, longSize);
  const lines = spec.fields.map((f, i) => {
    const decl = f.arrayLen !== undefined ? `${f.type} ${f.name}[${f.arrayLen}]` : f.type.endsWith('[]') && f.type.startsWith('__') ? `${f.type} ${f.name}` : `${f.type} ${f.name}`;
    return `\tfield:${decl};\toffset:${offsets[i]};\tsize:${f.size};\tsigned:${f.signed ? 1 : 0};`;
  });
  return `name: ${spec.name}\nID: ${spec.id}\nformat:\n${COMMON_FIELDS.join('\n')}\n\n${lines.join('\n')}\n\nprint fmt: ${spec.printFmt}\n`;
}

/** header_page as the kernel prints it for a kernel long size and page size. */
export function headerPageText(kernelLongSize: number, pageSize: number): string {
  const data = 8 + kernelLongSize;
  return (
    `\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n` +
    `\tfield: local_t commit;\toffset:8;\tsize:${kernelLongSize};\tsigned:1;\n` +
    `\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n` +
    `\tfield: char data;\toffset:${data};\tsize:${pageSize - data};\tsigned:0;\n`
  );
}

/** header_event as every kernel since 2.6.31 prints it. */
export const HEADER_EVENT_TEXT =
  '# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n\ttime_stamp : type == 31\n\tdata max type_len  == 28\n';
