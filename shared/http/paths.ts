/** API Gateway path templates (`/v1/companies/{id}`, `/files/{proxy+}`) matched against a request path. */
export const matchPath = (template: string, path: string): Record<string, string> | undefined => {
  const t = template.split('/');
  const p = path.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const greedy = /^\{(.+)\+\}$/.exec(seg);
    if (greedy) {
      const rest = p.slice(i).join('/');
      if (!rest) return undefined;
      params[greedy[1]!] = safeDecode(rest);
      return params;
    }
    const value = p[i];
    if (value === undefined) return undefined;
    const param = /^\{(.+)\}$/.exec(seg);
    if (param) {
      if (value === '') return undefined;
      params[param[1]!] = safeDecode(value);
    } else if (seg !== value) return undefined;
  }
  return t.length === p.length ? params : undefined;
};

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
