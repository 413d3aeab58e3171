"""The benchmark's results as Markdown tables: the main one (one row per encoder, one column
per evaluation result, with its notes), the any-order losses and the k-NN of every block."""
from .rows import ANY_ORDER, EVALUATIONS, FEATURE_NAMES, MAIN_TABLE, ROWS


def cell(record: dict, evaluation: str, key: str, digits: int = 2) -> str:
    return f'{record[evaluation][key]:.{digits}f}' if evaluation in record else '-'


def minutes(record: dict) -> str:
    pretrain = record.get('pretrain', {}).get('seconds', 0.)
    evaluate = sum(record[e]['seconds'] for e in EVALUATIONS if e in record)
    return f'{pretrain / 60:.1f} + {evaluate / 60:.1f}'


def markdown_table(header: list, rows: list) -> str:
    return '\n'.join(['| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)] +
                     ['| ' + ' | '.join(row) + ' |' for row in rows])


def recorded(methods: dict, evaluation: str = None) -> list:
    """The records of the rows, in the table's order (with ``evaluation`` only)."""
    return [methods[m] for m in ROWS if m in methods and (
        evaluation is None or evaluation in methods[m])]


def main_table(methods: dict) -> str:
    """One row per encoder, one column per result of the :data:`MAIN_TABLE` evaluations."""
    columns = [(e, key) for e in MAIN_TABLE for key in EVALUATIONS[e].results]
    header = ['encoder'] + [f'{EVALUATIONS[e].title} ({FEATURE_NAMES[key]})'
                            for e, key in columns] + [
        'pretrain epochs', 'loss first -> last', 'minutes', 'hardware']
    rows = []
    for record in recorded(methods):
        pretrain = record.get('pretrain', {})
        losses = pretrain.get('losses')
        loss = f'{losses[0][1]:.3f} -> {losses[-1][1]:.3f}' if losses else '-'
        hosts = sorted({record[k]['hardware'] for k in ('pretrain', *EVALUATIONS)
                        if k in record})
        rows.append([record['name']] + [cell(record, e, key) for e, key in columns] + [
            str(pretrain.get('epochs', '-')), loss, minutes(record), '; '.join(hosts)])
    return markdown_table(header, rows)


def any_order_table(methods: dict) -> str:
    """The pretraining loss of each SAIM-model row in every order, and in the stochastic
    order at the first and the last prediction step."""
    records = recorded(methods, 'any_order')
    if not records:
        return ''
    header = ['encoder'] + [f'loss, {order} order' for order in ANY_ORDER] + [
        'stochastic, first patch', 'stochastic, last patch']
    rows = [[r['name']] + [cell(r, 'any_order', order, 4) for order in ANY_ORDER] + [
        f"{r['any_order']['stochastic_steps'][i]:.4f}" for i in (0, -1)] for r in records]
    return ('Any-order prediction: the pretraining loss of each model (its own training '
            'loss: target, blur, norm_pix, MSE) on the val images; lower is better.\n\n' +
            markdown_table(header, rows))


def knn_blocks_table(methods: dict) -> str:
    """The k-NN top-1 of the mean patch token of every block, for each row."""
    records = recorded(methods, 'knn_blocks')
    if not records:
        return ''
    blocks = max(len(r['knn_blocks']['patch_mean']) for r in records)
    header = ['encoder'] + [f'block {k}' for k in range(1, blocks + 1)]
    rows = [[r['name']] + [f'{value:.2f}' for value in r['knn_blocks']['patch_mean']]
            for r in records]
    return ('k-NN top-1 (%) of the mean patch token of every block (no final norm):\n\n' +
            markdown_table(header, rows))


def results_table(results: dict) -> str:
    """The results as Markdown: the main table (one row per encoder, one column per
    evaluation result) with its notes, then the any-order and per-block tables."""
    settings, methods = results['settings'], results['methods']
    preset, data = settings['preset'], settings['data']
    arch, patch = preset['vit']['arch'], preset['vit']['patch_size']
    notes = [f"{data['val']} val images, top-1 (%). ViT width {arch['embed_dims']}, "
             f"{arch['num_layers']} blocks, {patch}x{patch} patches, {preset['crop_size']} px "
             f"crops; pretraining {preset['pretrain']['epochs']} epochs on {data['train']} "
             f"unlabeled train images, batch {preset['pretrain']['batch_size']}, AdamW lr "
             f"{preset['pretrain']['lr']}; seed {settings['seed']} for every run"]
    for evaluation, spec in EVALUATIONS.items():
        described = next((r[evaluation]['settings'] for r in methods.values()
                          if evaluation in r), None)
        if described:
            notes.append(f'{spec.title}: {described}')
    parts = [main_table(methods) + '\n\n' + '; '.join(notes) +
             '. Minutes: pretraining + evaluations.',
             any_order_table(methods), knn_blocks_table(methods)]
    return '\n\n'.join(part for part in parts if part) + '\n'
