from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'report.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_lang = resolve('lang')
    l_0_title = resolve('title')
    l_0_lines = resolve('lines')
    l_0_charts = resolve('charts')
    l_0_charts_title = resolve('charts_title')
    l_0_sections = resolve('sections')
    try:
        t_1 = environment.filters['length']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'length' found.")
    pass
    yield '<!DOCTYPE html>\n<html lang="'
    yield escape((undefined(name='lang') if l_0_lang is missing else l_0_lang))
    yield '">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>'
    yield escape((undefined(name='title') if l_0_title is missing else l_0_title))
    yield '</title>\n<style>\nbody { margin: 0 auto; padding: 12px; max-width: 60em; color: #1f2328; background: #ffffff;\n  font-family: -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", Roboto, Arial, sans-serif;\n  font-size: 15px; line-height: 1.45; }\nh1 { font-size: 1.4em; margin: 0.4em 0; }\nh2 { font-size: 1.15em; margin: 1.4em 0 0.4em; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; }\n.wrap { overflow-x: auto; }\ntable { border-collapse: collapse; width: 100%; font-size: 0.93em; }\nth, td { padding: 4px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; text-align: left; }\nth { background: #f3f4f6; font-weight: 600; }\ntd.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }\ntr.bold td { font-weight: bold; }\ntr.dim td { color: #6b7280; }\ntr.sep td { border-top: 2px solid #9ca3af; }\np.note { color: #57606a; font-size: 0.9em; font-style: italic; }\np.empty { color: #6b7280; font-style: italic; }\nsvg { max-width: 100%; height: auto; }\n@media print {\n  body { max-width: none; padding: 0; font-size: 10pt; color: #000; }\n  .wrap { overflow: visible; }\n  thead { display: table-header-group; }\n  tr, svg, figure { page-break-inside: avoid; break-inside: avoid; }\n  h2 { page-break-after: avoid; break-after: avoid; }\n  th { background: none; }\n}\n</style>\n</head>\n<body>\n<h1>'
    yield escape((undefined(name='title') if l_0_title is missing else l_0_title))
    yield '</h1>\n'
    for l_1_line in (undefined(name='lines') if l_0_lines is missing else l_0_lines):
        _loop_vars = {}
        pass
        yield '<p>'
        yield escape(l_1_line)
        yield '</p>\n'
    l_1_line = missing
    if (undefined(name='charts') if l_0_charts is missing else l_0_charts):
        pass
        yield '<section>\n<h2>'
        yield escape((undefined(name='charts_title') if l_0_charts_title is missing else l_0_charts_title))
        yield '</h2>\n'
        l_1_loop = missing
        for l_1_c, l_1_loop in LoopContext((undefined(name='charts') if l_0_charts is missing else l_0_charts), undefined):
            _loop_vars = {}
            pass
            yield '<figure style="margin: 0.6em 0;">\n<figcaption style="font-weight: 600; margin-bottom: 4px;">'
            yield escape(environment.getattr(l_1_c, 'title'))
            yield '</figcaption>\n<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 '
            yield escape(environment.getattr(l_1_c, 'width'))
            yield ' '
            yield escape(environment.getattr(l_1_c, 'height'))
            yield '" width="100%" preserveAspectRatio="xMinYMin meet" style="max-width: 100%; height: auto; font-family: inherit;">\n<title>'
            yield escape(environment.getattr(l_1_c, 'summary'))
            yield '</title>\n'
            if (t_1(environment.getattr(l_1_c, 'series')) > 1):
                pass
                l_2_loop = missing
                for l_2_name, l_2_loop in LoopContext(environment.getattr(l_1_c, 'series'), undefined):
                    _loop_vars = {}
                    pass
                    yield '<rect x="'
                    yield escape((environment.getattr(l_1_c, 'label_w') + (environment.getattr(l_2_loop, 'index0') * 120)))
                    yield '" y="2" width="12" height="12" fill="'
                    yield escape(environment.getitem(environment.getattr(l_1_c, 'colours'), environment.getattr(l_2_loop, 'index0')))
                    yield '"/>\n<text x="'
                    yield escape(((environment.getattr(l_1_c, 'label_w') + (environment.getattr(l_2_loop, 'index0') * 120)) + 16))
                    yield '" y="12" font-size="12" fill="#1f2328">'
                    yield escape(l_2_name)
                    yield '</text>\n'
                l_2_loop = l_2_name = missing
            for l_2_g in environment.getattr(l_1_c, 'groups'):
                _loop_vars = {}
                pass
                yield '<text x="'
                yield escape((environment.getattr(l_1_c, 'label_w') - 6))
                yield '" y="'
                yield escape((environment.getattr(l_2_g, 'y') + 4))
                yield '" font-size="12" text-anchor="end" fill="#1f2328">'
                yield escape(environment.getattr(l_2_g, 'label'))
                yield '</text>\n'
                for l_3_b in environment.getattr(l_2_g, 'bars'):
                    _loop_vars = {}
                    pass
                    yield '<rect x="'
                    yield escape(environment.getattr(l_1_c, 'label_w'))
                    yield '" y="'
                    yield escape((environment.getattr(l_3_b, 'y') + 1))
                    yield '" width="'
                    yield escape(environment.getattr(l_3_b, 'width'))
                    yield '" height="12" fill="'
                    yield escape(environment.getattr(l_3_b, 'colour'))
                    yield '"/>\n<text x="'
                    yield escape(((environment.getattr(l_1_c, 'label_w') + environment.getattr(l_3_b, 'width')) + 4))
                    yield '" y="'
                    yield escape((environment.getattr(l_3_b, 'y') + 11))
                    yield '" font-size="11" fill="#1f2328">'
                    yield escape(environment.getattr(l_3_b, 'text'))
                    yield '</text>\n'
                l_3_b = missing
            l_2_g = missing
            yield '</svg>\n</figure>\n'
        l_1_loop = l_1_c = missing
        yield '</section>\n'
    for l_1_s in (undefined(name='sections') if l_0_sections is missing else l_0_sections):
        _loop_vars = {}
        pass
        yield '<section>\n'
        if environment.getattr(l_1_s, 'title'):
            pass
            yield '<h2>'
            yield escape(environment.getattr(l_1_s, 'title'))
            yield '</h2>\n'
        if environment.getattr(l_1_s, 'lead'):
            pass
            yield '<p>→ '
            yield escape(environment.getattr(l_1_s, 'lead'))
            yield '</p>\n'
        for l_2_line in environment.getattr(l_1_s, 'lines'):
            _loop_vars = {}
            pass
            yield '<p>'
            yield escape(l_2_line)
            yield '</p>\n'
        l_2_line = missing
        if environment.getattr(l_1_s, 'table'):
            pass
            yield '<div class="wrap" style="overflow-x: auto;">\n<table style="border-collapse: collapse; width: 100%;">\n<thead><tr>'
            for (l_2_h, l_2_num) in environment.getattr(environment.getattr(l_1_s, 'table'), 'headers'):
                _loop_vars = {}
                pass
                yield '<th scope="col"'
                if l_2_num:
                    pass
                    yield ' class="num" style="text-align: right;"'
                else:
                    pass
                    yield ' style="text-align: left;"'
                yield '>'
                yield escape(l_2_h)
                yield '</th>'
            l_2_h = l_2_num = missing
            yield '</tr></thead>\n<tbody>\n'
            yield escape(environment.getattr(environment.getattr(l_1_s, 'table'), 'body'))
            yield '\n</tbody>\n</table>\n</div>\n'
        elif environment.getattr(l_1_s, 'empty'):
            pass
            yield '<p class="empty">'
            yield escape(environment.getattr(l_1_s, 'empty'))
            yield '</p>\n'
        for l_2_line in environment.getattr(l_1_s, 'after'):
            _loop_vars = {}
            pass
            yield '<p class="note">'
            yield escape(l_2_line)
            yield '</p>\n'
        l_2_line = missing
        yield '</section>\n'
    l_1_s = missing
    yield '</body>\n</html>'

blocks = {}
debug_info = '2=24&6=26&35=28&36=30&37=34&39=37&41=40&42=43&44=47&45=49&46=53&47=55&48=58&49=62&50=66&53=71&54=75&55=81&56=85&57=93&65=104&67=108&68=111&70=113&71=116&73=118&74=122&76=125&79=128&81=143&85=145&86=148&88=150&89=154'

# Jinja2's compilation of render/templates/report.html.j2, written by scripts/templates.py: do not edit.
# render/html.py precompiled() uses it only when both of these still hold.
TEMPLATE_SHA256 = '9750b1c373e0bbd26dd413a6341385af6f810e9f3ff53861b01f4e3f45b6c235'
JINJA2 = '3.1.6'
