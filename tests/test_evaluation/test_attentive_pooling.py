"""AttentivePooling: one learned query over the tokens, a (B, D) feature per image; it
learns a task where the class is in one marked token that a mean of the tokens hides."""
import pytest
import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from mmsaim.evaluation import AttentivePooling


def marked_token_task(n, tokens=8, dims=8, seed=0):
    """(n, tokens, dims) tokens and (n, ) labels. One token per image, at a random position,
    is marked (dimension 0 is 4) and holds the class as +-1 in dimension 1; another holds its
    opposite, so the mean over the tokens is the same for both classes; the other
    dimensions are noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    x = torch.randn(n, tokens, dims, generator=g)
    x[:, :, :2] = 0
    sign = 2. * labels - 1
    positions = torch.stack([torch.randperm(tokens, generator=g)[:2] for _ in range(n)])
    rows = torch.arange(n)
    x[rows, positions[:, 0], 0] = 4.
    x[rows, positions[:, 0], 1] = sign
    x[rows, positions[:, 1], 1] = -sign
    return x, labels


def train_and_test(pooling: nn.Module, steps=300):
    """Train ``pooling`` and a linear classifier on the toy task; top-1 (%) on new images."""
    torch.manual_seed(0)
    train_x, train_y = marked_token_task(256, seed=0)
    test_x, test_y = marked_token_task(256, seed=1)
    classifier = nn.Linear(train_x.shape[-1], 2)
    model = nn.ModuleDict(dict(pooling=pooling, classifier=classifier))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(steps):
        logits = classifier(pooling((train_x, ))[0])
        loss = nn.functional.cross_entropy(logits, train_y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        predicted = classifier(pooling((test_x, ))[0]).argmax(dim=1)
    return (predicted == test_y).float().mean().item() * 100


class MeanPooling(nn.Module):
    def forward(self, inputs):
        return (inputs[-1].mean(dim=1), )


def test_is_multihead_cross_attention_of_one_query():
    """The same as projecting every token to keys and values and attending with the query
    (scaled_dot_product_attention), in value and in gradient."""
    pooling = MODELS.build(dict(type='AttentivePooling', in_channels=12, num_heads=3))
    pooling.init_weights()
    assert sum(p.numel() for p in pooling.parameters()) == 12 + 2 * 12 * 12  # query, k, v
    tokens = torch.randn(5, 7, 12)
    (pooled, ) = pooling((tokens, ))
    assert pooled.shape == (5, 12)

    def heads(t):  # (B, L, 12) -> (B, 3, L, 4)
        return t.reshape(t.shape[0], t.shape[1], 3, 4).transpose(1, 2)

    x = nn.functional.batch_norm(tokens.transpose(1, 2), None, None, training=True,
                                 eps=1e-6).transpose(1, 2)
    expected = nn.functional.scaled_dot_product_attention(
        heads(pooling.query.expand(5, 1, 12)), heads(pooling.key(x)), heads(pooling.value(x)))
    expected = expected.transpose(1, 2).reshape(5, 12)
    torch.testing.assert_close(pooled, expected)
    grads = torch.autograd.grad(pooled.square().sum(), list(pooling.parameters()))
    expected_grads = torch.autograd.grad(expected.square().sum(), list(pooling.parameters()))
    for grad, expected_grad in zip(grads, expected_grads):
        torch.testing.assert_close(grad, expected_grad)
    with pytest.raises(ValueError, match='does not divide'):
        AttentivePooling(in_channels=12, num_heads=5)


def test_learns_what_the_mean_of_the_tokens_hides():
    mean_accuracy = train_and_test(MeanPooling())
    pooling = AttentivePooling(in_channels=8, num_heads=2)
    pooling.init_weights()
    attentive_accuracy = train_and_test(pooling)
    assert mean_accuracy < 65  # chance: the mean is the same for both classes
    assert attentive_accuracy > 95
