"""SAIM's speed and memory options compute what the plain blocks compute."""
import pytest
import torch

from mmsaim.models.utils import BlockRunner, draw_permutation
from tests.helpers.models import (assert_same_step, build_tiny_saim, make_layout,
                                  step_loss_and_grads, twin)


def _batch(batch_size=3, explicit=False):
    torch.manual_seed(1)
    images = torch.randn(batch_size, 3, 32, 32)
    return images, make_layout(draw_permutation('stochastic', batch_size, (4, 4)),
                               explicit_masks=explicit)


@pytest.mark.parametrize('every', [1, 2])
@pytest.mark.parametrize('explicit', [False, True])
def test_checkpointed_blocks_give_the_plain_loss_and_gradients(every, explicit):
    torch.manual_seed(0)
    plain = build_tiny_saim()
    images, order = _batch(explicit=explicit)
    expected = step_loss_and_grads(plain, images, order)
    actual = step_loss_and_grads(twin(plain, checkpoint_every=every), images, order)
    assert_same_step(expected, actual, rtol=0, atol=0)


def test_checkpointed_blocks_replay_drop_path_and_dropout():
    """The backward pass runs a checkpointed block again with the random state of its
    forward pass, so stochastic depth and dropout drop the same paths and units."""
    drop = dict(drop_path_rate=0.3, drop_rate=0.2)
    plain = build_tiny_saim(backbone_kwargs=drop)
    images, order = _batch()
    runs = []
    for model in (plain, twin(plain, checkpoint_every=1, backbone_kwargs=drop)):
        torch.manual_seed(7)
        runs.append(step_loss_and_grads(model, images, order))
    assert_same_step(*runs, rtol=0, atol=0)
    torch.manual_seed(8)
    assert not torch.equal(step_loss_and_grads(plain, images, order)[0], runs[0][0])


def test_compiled_blocks_have_no_graph_breaks_and_match():
    """Regional compilation (inductor, ``fullgraph=True``: a graph break is an error) of the
    plain and the checkpointed block, self- and cross-attention, on a 2-block model."""
    torch._dynamo.reset()
    torch.manual_seed(0)
    plain = build_tiny_saim(depth=2)
    compiled = twin(plain, depth=2, checkpoint_every=2,
                    compile_blocks=dict(fullgraph=True, dynamic=False))
    images, order = _batch()
    for _ in range(2):  # the second step runs the compiled code without compiling
        actual = step_loss_and_grads(compiled, images, order)
    assert_same_step(step_loss_and_grads(plain, images, order), actual)
    torch._dynamo.reset()


def _compiled_graphs(depth):
    """How many graphs one training step of a ``depth``-block model compiles."""
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    model = build_tiny_saim(depth=depth, compile_blocks=dict(backend='eager', dynamic=False))
    step_loss_and_grads(model, *_batch())
    graphs = torch._dynamo.utils.counters['stats']['unique_graphs']
    torch._dynamo.reset()
    return graphs


def test_one_compilation_serves_every_block():
    """Compiling does not grow with depth: past the first block (whose input comes from
    outside the stream), every block of a stream reuses one graph. A guard on the block
    itself, e.g. its id, would recompile block after block and, past dynamo's recompile
    limit, fall back to eager."""
    assert _compiled_graphs(depth=6) == _compiled_graphs(depth=2) > 0


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_residual_in_autocast_dtype(dtype):
    """Under autocast the option holds the residual stream in ``dtype``; its error against
    the fp32 step stays within 1.5x the error autocast already makes with an fp32
    residual stream (measured: 1.05x-1.35x, see docs/benchmark.md)."""
    torch.manual_seed(0)
    plain = build_tiny_saim()
    low = twin(plain, residual_in_autocast_dtype=True)
    images, order = _batch(4)
    with torch.autocast('cpu', dtype=dtype):
        assert low.backbone(images, order, low.run_block)[-1].dtype == dtype
    reference = step_loss_and_grads(plain, images, order)
    assert_same_step(reference, step_loss_and_grads(low, images, order), rtol=0, atol=0)

    def error(step):
        loss, grads = step
        grad_error = torch.stack([(grads[k] - g).norm()**2 for k, g in reference[1].items()])
        grad_norm = torch.stack([g.norm()**2 for g in reference[1].values()])
        return (loss - reference[0]).abs(), (grad_error.sum() / grad_norm.sum()).sqrt()

    loss_amp, grads_amp = error(step_loss_and_grads(plain, images, order, dtype))
    loss_low, grads_low = error(step_loss_and_grads(low, images, order, dtype))
    assert grads_amp > 0 and grads_low <= 1.5 * grads_amp, (grads_amp, grads_low)
    assert loss_low <= 1.5 * loss_amp + 1e-6, (loss_amp, loss_low)


def test_options_keep_the_parameter_names():
    """Checkpoints written by a plain model load into one with every option on."""
    plain = build_tiny_saim()
    fast = build_tiny_saim(compile_blocks=True, checkpoint_every=2,
                           residual_in_autocast_dtype=True)
    fast.load_state_dict(plain.state_dict(), strict=True)
    assert fast.state_dict().keys() == plain.state_dict().keys()
    assert not any('context_projs' in key for key in plain.state_dict())


def test_bad_checkpoint_every():
    with pytest.raises(ValueError, match='every k-th block'):
        BlockRunner(checkpoint_every=-1)
